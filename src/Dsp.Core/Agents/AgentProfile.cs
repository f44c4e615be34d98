namespace Dsp.Core.Agents;

/// <summary>A named pair of agents: the drafter and the target.</summary>
/// <param name="Name">The profile name a request gives (<c>agents</c>).</param>
/// <param name="Draft">The drafter.</param>
/// <param name="Target">The target.</param>
/// <param name="StepLimit">For replayed agents: the recorded steps of a task, past which nothing can be played
/// (null when the agents can plan any length).</param>
public sealed record AgentProfile(string Name, IStepAgent Draft, IStepAgent Target, Func<string, string?, int?> StepLimit);

/// <summary>The agent profiles a deployment offers.</summary>
public interface IAgentProfiles
{
    IReadOnlyCollection<string> Names { get; }

    /// <summary>The profile, or null for an unknown name.</summary>
    AgentProfile? Find(string name);
}
