using System.Collections.Concurrent;

namespace Dsp.Core.Runs.InMemory;

/// <summary>Plan documents, in memory.</summary>
public sealed class InMemoryPlanContentStore : IPlanContentStore
{
    private readonly ConcurrentDictionary<(string RunId, string Name), string> _documents = new();

    /// <summary>How many documents are stored.</summary>
    public int Count => _documents.Count;

    public Task SaveAsync(string runId, string name, string content, CancellationToken cancellationToken = default)
    {
        _documents.TryAdd((runId, name), content);
        return Task.CompletedTask;
    }

    public Task<string?> ReadAsync(string runId, string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(_documents.TryGetValue((runId, name), out var content) ? content : null);
}
