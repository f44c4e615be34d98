using Dsp.Core.Traces;

namespace Dsp.Core.Tests;

/// <summary>The bundled recorded traces, and small hand-made ones.</summary>
internal static class TestTraces
{
    public static string OpenAgiPath => Path.Combine(AppContext.BaseDirectory, "traces", "openagi-gpt4turbo.jsonl");

    public static IReadOnlyList<AgentTrace> OpenAgi { get; } = TraceReader.ReadFile(OpenAgiPath);

    /// <summary>A trace whose steps are (draft text, draft latency, target text, target latency), 100 prompt and
    /// 10 completion tokens a call, on gpt-4-turbo.</summary>
    public static AgentTrace Make(params (string Draft, double DraftSeconds, string Target, double TargetSeconds)[] steps) => new()
    {
        Id = "test",
        Task = "a task",
        Models = new TraceModels("gpt-4-turbo", "gpt-4-turbo"),
        Judge = "exact",
        Steps = steps.Select(s => new TraceStep(
            new TraceCall(s.Draft, 100, 10, s.DraftSeconds),
            new TraceCall(s.Target, 100, 10, s.TargetSeconds))).ToList(),
    };
}
