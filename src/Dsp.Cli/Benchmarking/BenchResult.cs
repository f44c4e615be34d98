using Dsp.Core.Traces;

namespace Dsp.Cli.Benchmarking;

/// <summary>Everything one <c>dsp bench</c> run measured: every policy over the same traces.</summary>
/// <param name="Sources">The trace files read.</param>
/// <param name="Traces">The traces, each replayed <paramref name="Repeat"/> times per policy.</param>
/// <param name="Repeat">Passes over the trace set per policy.</param>
/// <param name="Runs">One run per policy, in the order asked for.</param>
/// <param name="ReplayTime">Wall time spent replaying, all policies together.</param>
internal sealed record BenchResult(
    IReadOnlyList<string> Sources,
    IReadOnlyList<AgentTrace> Traces,
    int Repeat,
    IReadOnlyList<PolicyRun> Runs,
    TimeSpan ReplayTime)
{
    /// <summary>Steps in the trace set, counted once.</summary>
    public int Steps { get; } = Traces.Sum(t => t.Steps.Count);

    /// <summary>The recorded runs' measured time: the sum of the traces' <c>recorded.elapsedSeconds</c>, counted once.</summary>
    public double RecordedElapsedSeconds { get; } = Traces.Sum(t => t.Recorded?.ElapsedSeconds ?? 0);

    /// <summary>Steps replayed over the whole run: every step, every pass, every policy.</summary>
    public long ReplayedSteps => (long)Steps * Repeat * Runs.Count;
}
