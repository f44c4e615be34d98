using Dsp.Core.Policy;
using Dsp.Core.Traces;

namespace Dsp.Core.Simulation;

/// <summary>The same depth every round (go on while fewer than k drafts were started); depth 0 is the target alone
/// (the sequential baseline).</summary>
public sealed class FixedDepthPolicy : IDepthPolicy, ISimulationPolicy
{
    private readonly DepthChainPolicy _chain;

    public FixedDepthPolicy(int depth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        Depth = depth;
        _chain = new DepthChainPolicy(this);
    }

    public int Depth { get; }

    public string Name => Depth == 0 ? SimulationPolicies.Sequential : $"{SimulationPolicies.FixedPrefix}{Depth}";

    public int ChooseDepth(in DepthRequest request) => Depth;

    public ISpeculationPolicy ForTrace(AgentTrace trace) => _chain;
}
