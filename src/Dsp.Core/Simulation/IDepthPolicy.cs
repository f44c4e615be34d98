using Dsp.Core.Policy;

namespace Dsp.Core.Simulation;

/// <summary>Chooses how deep the next round speculates.</summary>
public interface IDepthPolicy
{
    /// <summary>The depth of the round about to start: the number of drafts to chain (0: the target alone).</summary>
    int ChooseDepth(in DepthRequest request);
}

/// <summary>What a policy knows when a round is about to start.</summary>
/// <param name="State">The task, the verified plan and the run's acceptance so far.</param>
/// <param name="Round">The round's number in the plan, from 0.</param>
public readonly record struct DepthRequest(PolicyState State, int Round)
{
    /// <summary>The position the round starts at.</summary>
    public int Position => State.Position;
}
