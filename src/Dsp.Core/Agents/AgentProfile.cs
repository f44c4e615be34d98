using Dsp.Core.Costs;
using Dsp.Core.Planning;

namespace Dsp.Core.Agents;

/// <summary>A named pair of agents: the drafter and the target, each with the price its calls are billed at.</summary>
/// <param name="Name">The profile name a request gives (<c>agents</c>).</param>
/// <param name="Draft">The drafter.</param>
/// <param name="Target">The target.</param>
/// <param name="StepLimit">For replayed agents: the recorded steps of a task, past which nothing can be played
/// (null when the agents can plan any length).</param>
/// <param name="DraftPrice">What the drafter's tokens cost (resolved when the profile is built, so a plan never meets
/// a model without a price).</param>
/// <param name="TargetPrice">What the target's tokens cost.</param>
public sealed record AgentProfile(
    string Name, IStepAgent Draft, IStepAgent Target, Func<string, string?, int?> StepLimit, ModelPrice DraftPrice, ModelPrice TargetPrice)
{
    /// <summary>The agent of a role.</summary>
    public IStepAgent AgentFor(AgentRole role) => role == AgentRole.Draft ? Draft : Target;

    /// <summary>The price of a role's calls.</summary>
    public ModelPrice PriceFor(AgentRole role) => role == AgentRole.Draft ? DraftPrice : TargetPrice;
}

/// <summary>The agent profiles a deployment offers.</summary>
public interface IAgentProfiles
{
    IReadOnlyCollection<string> Names { get; }

    /// <summary>The profile, or null for an unknown name.</summary>
    AgentProfile? Find(string name);
}
