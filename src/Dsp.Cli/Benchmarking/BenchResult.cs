using Dsp.Core.Traces;

namespace Dsp.Cli.Benchmarking;

/// <summary>Everything one <c>dsp bench</c> run measured: every policy over the same traces.</summary>
/// <param name="Sources">The trace files read.</param>
/// <param name="Traces">The traces, each run <paramref name="Passes"/> times per policy.</param>
/// <param name="Passes">Passes over the trace set per policy (and per dsp setting).</param>
/// <param name="Runs">One row per policy (one per setting for dsp), in the order asked for.</param>
/// <param name="ReplayTime">Wall time spent replaying the policies other than dsp, all together.</param>
/// <param name="Dsp">The dsp sweep, when dsp was asked for.</param>
/// <param name="Adaptive">The adaptive sweep, when adaptive was asked for.</param>
internal sealed record BenchResult(
    IReadOnlyList<string> Sources,
    IReadOnlyList<AgentTrace> Traces,
    int Passes,
    IReadOnlyList<PolicyRun> Runs,
    TimeSpan ReplayTime,
    DspSweepResult? Dsp,
    AdaptiveSweepResult? Adaptive = null)
{
    /// <summary>Steps in the trace set, counted once.</summary>
    public int Steps { get; } = Traces.Sum(t => t.Steps.Count);

    /// <summary>The recorded runs' measured time: the sum of the traces' <c>recorded.elapsedSeconds</c>, counted once.</summary>
    public double RecordedElapsedSeconds { get; } = Traces.Sum(t => t.Recorded?.ElapsedSeconds ?? 0);

    /// <summary>The policies replayed without learning (every row but dsp's and adaptive's).</summary>
    public int ReplayedPolicies => Runs.Count(r => !r.IsLearned);

    /// <summary>Steps replayed by the policies other than dsp: every step, every pass, every such policy.</summary>
    public long ReplayedSteps => (long)Steps * Passes * ReplayedPolicies;
}
