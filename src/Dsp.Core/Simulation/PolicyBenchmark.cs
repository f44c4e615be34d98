using Dsp.Core.Metrics;
using Dsp.Core.Traces;

namespace Dsp.Core.Simulation;

/// <summary>Replays every trace under one policy and summarizes the plans.</summary>
public static class PolicyBenchmark
{
    /// <summary>
    /// Replays <paramref name="traces"/> in order under <paramref name="policy"/>, <paramref name="passes"/> times
    /// over, reporting each replayed trace to <paramref name="progress"/>.
    /// </summary>
    public static PolicySummary Run(
        ISimulationPolicy policy,
        IReadOnlyList<AgentTrace> traces,
        TraceSimulator simulator,
        int passes = 1,
        IProgress<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(passes, 1);
        var summary = new PolicySummaryBuilder(policy.Name);
        for (var pass = 0; pass < passes; pass++)
        {
            foreach (var trace in traces)
            {
                summary.Add(simulator.Run(trace, policy.ForTrace(trace)).Metrics);
                progress?.Report(summary.Tasks);
            }
        }

        return summary.Build();
    }
}
