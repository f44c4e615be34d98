using Dsp.Core.Traces;

namespace Dsp.Core.Tests.Traces;

public class TraceReaderTests
{
    private const string Good = """{"schema": "dsp-trace/1", "id": "t1", "task": "Do it", "models": {"draft": "gpt-4o-mini", "target": "gpt-4o"}, "judge": "exact", "recorded": {"elapsedSeconds": 3.5, "roundDepths": [2, 0]}, "steps": [{"draft": {"text": "A", "promptTokens": 10, "completionTokens": 2, "latencySeconds": 0.5}, "target": {"text": "TERMINATE", "promptTokens": 20, "completionTokens": 4, "latencySeconds": 1.5}}]}""";

    private static List<AgentTrace> ReadText(string text) => TraceReader.Read(new StringReader(text), "x.jsonl").ToList();

    [Fact]
    public void The_bundled_traces_are_read_whole()
    {
        var traces = TestTraces.OpenAgi;

        Assert.Equal(30, traces.Count);
        Assert.Equal(232, traces.Sum(t => t.Steps.Count));
        Assert.Equal("openagi/bs16/11", traces[0].Id);
        Assert.Single(traces.SelectMany(t => t.Steps), s => s.Draft.Failed);
    }

    [Fact]
    public void A_good_line_reads_every_field_and_blank_lines_are_skipped()
    {
        var trace = Assert.Single(ReadText($"\n{Good}\n\n"));

        Assert.Equal("t1", trace.Id);
        Assert.Equal(new TraceModels("gpt-4o-mini", "gpt-4o"), trace.Models);
        Assert.Equal([2, 0], trace.Recorded!.RoundDepths);
        Assert.Equal(new TraceCall("TERMINATE", 20, 4, 1.5), trace.Steps[0].Target);
    }

    [Fact]
    public void A_failed_call_may_have_no_latency_or_completion()
    {
        var line = Good.Replace("""{"text": "A", "promptTokens": 10, "completionTokens": 2, "latencySeconds": 0.5}""",
            """{"text": "", "promptTokens": 10, "completionTokens": null, "latencySeconds": null, "failed": true}""");

        var draft = Assert.Single(ReadText(line)).Steps[0].Draft;

        Assert.Equal(new TraceCall("", 10, 0, 0, Failed: true), draft);
    }

    [Theory]
    [InlineData("{\"schema\": ", "not valid JSON")]
    [InlineData("[1, 2]", "must be a JSON object")]
    [InlineData("""{"schema": "dsp-trace/2"}""", "unsupported schema")]
    public void A_broken_line_is_reported_with_file_and_line(string badLine, string problem)
    {
        var error = Assert.Throws<TraceFormatException>(() => ReadText($"{Good}\n\n{badLine}\n{Good}"));

        Assert.Equal(3, error.Line);
        Assert.StartsWith("x.jsonl:3: ", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Theory]
    [InlineData("\"id\": \"t1\", ", "", "'id' is missing")]
    [InlineData("\"task\": \"Do it\", ", "", "'task' is missing")]
    [InlineData("\"promptTokens\": 20", "\"promptTokens\": -20", "'steps[0].target.promptTokens' must be a non-negative integer")]
    [InlineData("\"latencySeconds\": 0.5", "\"latencySeconds\": -0.5", "'steps[0].draft.latencySeconds' must be a non-negative number")]
    [InlineData("\"completionTokens\": 2,", "", "'steps[0].draft.completionTokens' must be a non-negative integer")]
    [InlineData("\"roundDepths\": [2, 0]", "\"roundDepths\": [2, -1]", "'recorded.roundDepths[1]' must be a non-negative integer")]
    [InlineData("\"draft\": \"gpt-4o-mini\", ", "", "'models.draft' is missing")]
    [InlineData("\"promptTokens\": 20", "\"promptTokens\": \"20\"", "'steps[0].target.promptTokens' must be a non-negative integer")]
    [InlineData("\"promptTokens\": 10", "\"promptTokens\": 10.5", "'steps[0].draft.promptTokens' must be a non-negative integer")]
    [InlineData("\"completionTokens\": 4", "\"completionTokens\": -4", "'steps[0].target.completionTokens' must be a non-negative integer")]
    [InlineData("\"latencySeconds\": 1.5", "\"latencySeconds\": \"fast\"", "'steps[0].target.latencySeconds' must be a non-negative number")]
    [InlineData("\"latencySeconds\": 1.5", "\"latencySeconds\": 1e400", "'steps[0].target.latencySeconds' must be a non-negative number")]
    [InlineData("\"elapsedSeconds\": 3.5", "\"elapsedSeconds\": -3.5", "'recorded.elapsedSeconds' must be a non-negative number")]
    [InlineData("\"roundDepths\": [2, 0]", "\"roundDepths\": [2, \"0\"]", "'recorded.roundDepths[1]' must be a non-negative integer")]
    [InlineData("\"text\": \"A\"", "\"text\": 7", "'steps[0].draft.text' is missing or not a string")]
    [InlineData("\"task\": \"Do it\"", "\"task\": [\"Do it\"]", "'task' is missing or not a string")]
    [InlineData("{\"draft\": \"gpt-4o-mini\", \"target\": \"gpt-4o\"}", "\"gpt-4o\"", "'models' is missing or not an object")]
    [InlineData("{\"text\": \"TERMINATE\", \"promptTokens\": 20, \"completionTokens\": 4, \"latencySeconds\": 1.5}", "null", "'steps[0].target' is missing or not an object")]
    public void A_missing_or_invalid_field_is_named(string field, string replacement, string problem)
    {
        var error = Assert.Throws<TraceFormatException>(() => ReadText(Good.Replace(field, replacement)));

        Assert.Contains(problem, error.Message);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void A_trace_without_steps_is_refused()
    {
        var line = Good[..Good.IndexOf("\"steps\"", StringComparison.Ordinal)] + "\"steps\": []}";

        Assert.Contains("'steps' is empty", Assert.Throws<TraceFormatException>(() => ReadText(line)).Message);
    }
}
