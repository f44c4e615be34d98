using Dsp.Core.Traces;

namespace Dsp.Benchmarks;

internal static class BundledTraces
{
    public static IReadOnlyList<AgentTrace> Load() =>
        TraceReader.ReadFile(Path.Combine(AppContext.BaseDirectory, "traces", "openagi-gpt4turbo.jsonl"));
}
