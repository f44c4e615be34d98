using Dsp.Core.Traces;

namespace Dsp.Agents.Tests;

public class TraceWriterTests
{
    [Fact]
    public void The_bundled_traces_round_trip_through_the_writer_and_the_reader()
    {
        var bundled = TraceReader.ReadFile(Path.Combine(AppContext.BaseDirectory, "traces", "openagi-gpt4turbo.jsonl"));
        using var text = new StringWriter();

        TraceWriter.Write(text, bundled);
        var read = TraceReader.Read(new StringReader(text.ToString()), "written").ToList();

        Assert.Equal(bundled.Count, read.Count);
        Assert.Equal(bundled.Select(TraceWriter.ToJson), read.Select(TraceWriter.ToJson));
        Assert.Equal(bundled[0].Steps.Select(s => s.Target), read[0].Steps.Select(s => s.Target));
        Assert.Equal(bundled[0].Recorded!.RoundDepths, read[0].Recorded!.RoundDepths);
    }

    [Fact]
    public void Failed_calls_are_written_as_failed()
    {
        var trace = new AgentTrace
        {
            Id = "t",
            Task = "a task",
            Models = new TraceModels("small", "large"),
            Judge = "exact",
            Steps = [new TraceStep(new TraceCall(string.Empty, 12, 3, 0.5, Failed: true), new TraceCall("TERMINATE", 100, 2, 1.25))],
        };

        var read = TraceReader.Parse(TraceWriter.ToJson(trace), "line", 1);

        Assert.True(read.Steps[0].Draft.Failed);
        Assert.Equal(new TraceCall("TERMINATE", 100, 2, 1.25), read.Steps[0].Target);
        Assert.Null(read.Recorded);
    }
}
