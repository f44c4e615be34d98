using System.Globalization;
using Dsp.Core.Acceptance;
using Dsp.Core.Metrics;
using Dsp.Core.Simulation;

namespace Dsp.Cli.Benchmarking;

/// <summary>One row of a bench run: a policy replayed over the trace set, or one setting of a policy learning online
/// (dsp, adaptive).</summary>
/// <param name="Policy">The replayed policy; null for a learning one, whose summary carries its setting.</param>
/// <param name="Summary">Its plans, summarized.</param>
/// <param name="Adaptive">For an adaptive value of time: the stream, with its calibration.</param>
internal sealed record PolicyRun(ISimulationPolicy? Policy, PolicySummary Summary, OnlineAdaptiveResult? Adaptive = null)
{
    /// <summary>Whether this is the replay of the recorded runs' own depths (the simulator's fidelity check).</summary>
    public bool IsRecorded => Policy is RecordedPolicy;

    /// <summary>Whether this is a setting of the dsp policy, which learns as it runs.</summary>
    public bool IsDsp => Policy is null && Adaptive is null;

    /// <summary>Whether this is a value of time of the adaptive policy, which learns as it runs.</summary>
    public bool IsAdaptive => Adaptive is not null;

    /// <summary>Whether the row's policy learns as it runs.</summary>
    public bool IsLearned => Policy is null;

    /// <summary>The row's name in the table: the policy's, <c>dsp τ=0.9 β=1</c> for a dsp setting, or
    /// <c>adaptive $0.02/s</c> for an adaptive value of time.</summary>
    public string Label => this switch
    {
        { IsDsp: true } => string.Create(CultureInfo.InvariantCulture, $"{Summary.Policy} τ={Summary.Tau} β={Summary.Offset}"),
        { IsAdaptive: true } => string.Create(CultureInfo.InvariantCulture, $"{Summary.Policy} ${Summary.ValueOfTime}/s"),
        _ => Summary.Policy,
    };
}
