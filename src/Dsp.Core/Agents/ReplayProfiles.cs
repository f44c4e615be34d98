using Dsp.Core.Planning;

namespace Dsp.Core.Agents;

/// <summary>One profile, <c>default</c> unless named otherwise, whose drafter and target replay recorded traces.</summary>
public sealed class ReplayProfiles : IAgentProfiles
{
    private readonly AgentProfile _profile;

    public ReplayProfiles(TraceCatalog catalog, double latencyScale, TimeProvider time, string name = "default")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(latencyScale);
        _profile = new AgentProfile(
            name,
            new ReplayAgent(catalog, AgentRole.Draft, latencyScale, time),
            new ReplayAgent(catalog, AgentRole.Target, latencyScale, time),
            (task, traceId) => catalog.Contains(task, traceId) ? catalog.Resolve(task, traceId).Steps.Count : 0);
        Names = [name];
    }

    public IReadOnlyCollection<string> Names { get; }

    public AgentProfile? Find(string name) => string.Equals(name, _profile.Name, StringComparison.Ordinal) ? _profile : null;
}
