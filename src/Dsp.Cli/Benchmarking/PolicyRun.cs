using System.Globalization;
using Dsp.Core.Metrics;
using Dsp.Core.Simulation;

namespace Dsp.Cli.Benchmarking;

/// <summary>One row of a bench run: a policy replayed over the trace set, or one setting of the dsp policy learning online.</summary>
/// <param name="Policy">The replayed policy; null for a dsp setting, whose summary carries its τ and β.</param>
/// <param name="Summary">Its plans, summarized.</param>
internal sealed record PolicyRun(ISimulationPolicy? Policy, PolicySummary Summary)
{
    /// <summary>Whether this is the replay of the recorded runs' own depths (the simulator's fidelity check).</summary>
    public bool IsRecorded => Policy is RecordedPolicy;

    /// <summary>Whether this is a setting of the dsp policy, which learns as it runs.</summary>
    public bool IsDsp => Policy is null;

    /// <summary>The row's name in the table: the policy's, or <c>dsp τ=0.9 β=1</c> for a dsp setting.</summary>
    public string Label => IsDsp
        ? string.Create(CultureInfo.InvariantCulture, $"{Summary.Policy} τ={Summary.Tau} β={Summary.Offset}")
        : Summary.Policy;
}
