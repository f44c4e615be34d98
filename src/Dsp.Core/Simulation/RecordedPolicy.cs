using Dsp.Core.Policy;
using Dsp.Core.Traces;

namespace Dsp.Core.Simulation;

/// <summary>
/// Replays the depths the recorded run chose (<c>recorded.roundDepths</c>), launching max(depth, 1) drafts per
/// round as that run did. Replaying it checks the simulator against the run's measured time.
/// </summary>
public sealed class RecordedPolicy : ISimulationPolicy
{
    public string Name => SimulationPolicies.Recorded;

    public ISpeculationPolicy ForTrace(AgentTrace trace) => new DepthChainPolicy(new Depths(trace));

    private sealed class Depths(AgentTrace trace) : IDepthPolicy
    {
        public int ChooseDepth(in DepthRequest request)
        {
            var depths = trace.Recorded?.RoundDepths
                ?? throw new InvalidOperationException($"Trace '{trace.Id}' has no recorded round depths to replay.");
            return request.Round < depths.Count
                ? Math.Max(depths[request.Round], 1)
                : throw new InvalidOperationException(
                    $"Trace '{trace.Id}' recorded {depths.Count} rounds, but its replay needs round {request.Round + 1}.");
        }
    }
}
