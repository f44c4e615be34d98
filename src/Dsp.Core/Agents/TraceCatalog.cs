using Dsp.Core.Traces;

namespace Dsp.Core.Agents;

/// <summary>Recorded traces by id and by task, for replay agents.</summary>
public sealed class TraceCatalog
{
    private readonly Dictionary<string, AgentTrace> _byId;
    private readonly Dictionary<string, AgentTrace> _byTask;

    public TraceCatalog(IEnumerable<AgentTrace> traces)
    {
        var all = traces.ToList();
        _byId = new Dictionary<string, AgentTrace>(StringComparer.Ordinal);
        foreach (var trace in all)
        {
            if (!_byId.TryAdd(trace.Id, trace))
            {
                throw new ArgumentException($"Trace id '{trace.Id}' appears more than once.", nameof(traces));
            }
        }

        _byTask = new Dictionary<string, AgentTrace>(StringComparer.OrdinalIgnoreCase);
        foreach (var trace in all)
        {
            _byTask.TryAdd(trace.Task.Trim(), trace); // the first recording of a task plays it
        }

        Traces = all;
    }

    public IReadOnlyList<AgentTrace> Traces { get; }

    /// <summary>The trace with this id, or else the first recorded for this task.</summary>
    /// <exception cref="AgentException">No recorded trace matches.</exception>
    public AgentTrace Resolve(string task, string? traceId)
    {
        if (traceId is not null)
        {
            return _byId.TryGetValue(traceId, out var byId)
                ? byId
                : throw new AgentException($"No recorded trace has the id '{traceId}'.");
        }

        return _byTask.TryGetValue(task.Trim(), out var byTask)
            ? byTask
            : throw new AgentException($"No recorded trace plays the task '{Truncate(task)}'; replay agents can only play recorded tasks.");
    }

    /// <summary>Whether a trace matches.</summary>
    public bool Contains(string task, string? traceId) =>
        traceId is not null ? _byId.ContainsKey(traceId) : _byTask.ContainsKey(task.Trim());

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..77] + "...";
}
