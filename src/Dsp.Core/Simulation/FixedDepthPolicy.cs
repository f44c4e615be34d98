using Dsp.Core.Traces;

namespace Dsp.Core.Simulation;

/// <summary>The same depth every round; depth 0 is the target alone (the sequential baseline).</summary>
public sealed class FixedDepthPolicy : IDepthPolicy, ISimulationPolicy
{
    public FixedDepthPolicy(int depth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        Depth = depth;
    }

    public int Depth { get; }

    public string Name => Depth == 0 ? SimulationPolicies.Sequential : $"{SimulationPolicies.FixedPrefix}{Depth}";

    public int ChooseDepth(in DepthRequest request) => Depth;

    public IDepthPolicy ForTrace(AgentTrace trace) => this;
}
