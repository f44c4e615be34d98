using Dsp.Core.Metrics;
using Dsp.Core.Simulation;

namespace Dsp.Cli.Benchmarking;

/// <summary>One policy's replay of the trace set.</summary>
/// <param name="Policy">The policy replayed.</param>
/// <param name="Summary">Its plans, summarized.</param>
internal sealed record PolicyRun(ISimulationPolicy Policy, PolicySummary Summary)
{
    /// <summary>Whether this is the replay of the recorded runs' own depths (the simulator's fidelity check).</summary>
    public bool IsRecorded => Policy is RecordedPolicy;
}
