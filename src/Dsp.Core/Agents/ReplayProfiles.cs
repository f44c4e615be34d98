using Dsp.Core.Costs;
using Dsp.Core.Planning;

namespace Dsp.Core.Agents;

/// <summary>One profile, <c>default</c> unless named otherwise, whose drafter and target replay recorded traces.</summary>
public sealed class ReplayProfiles : IAgentProfiles
{
    private readonly AgentProfile _profile;

    /// <param name="catalog">The recorded traces.</param>
    /// <param name="latencyScale">Recorded latencies are played times this.</param>
    /// <param name="time">The clock the replayed calls wait on.</param>
    /// <param name="priceOf">The price of a recorded model; it throws, naming how to add one, for a model it does not know.</param>
    /// <param name="name">The profile's name.</param>
    public ReplayProfiles(TraceCatalog catalog, double latencyScale, TimeProvider time, Func<string, ModelPrice> priceOf, string name = "default")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(latencyScale);
        var draft = new ReplayAgent(catalog, AgentRole.Draft, latencyScale, time);
        var target = new ReplayAgent(catalog, AgentRole.Target, latencyScale, time);
        _profile = new AgentProfile(
            name,
            draft,
            target,
            (task, traceId) => catalog.Contains(task, traceId) ? catalog.Resolve(task, traceId).Steps.Count : 0,
            catalog.Traces.Count > 0 ? priceOf(draft.Model) : default,
            catalog.Traces.Count > 0 ? priceOf(target.Model) : default);
        Names = [name];
    }

    public IReadOnlyCollection<string> Names { get; }

    public AgentProfile? Find(string name) => string.Equals(name, _profile.Name, StringComparison.Ordinal) ? _profile : null;
}
