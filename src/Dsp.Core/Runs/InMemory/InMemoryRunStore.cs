using System.Collections.Concurrent;

namespace Dsp.Core.Runs.InMemory;

/// <summary>Run summaries kept in memory.</summary>
public sealed class InMemoryRunStore : IRunStore
{
    private readonly ConcurrentDictionary<string, RunRecord> _runs = new(StringComparer.Ordinal);

    public Task<bool> SaveAsync(RunRecord run, CancellationToken cancellationToken = default) =>
        Task.FromResult(_runs.TryAdd(run.RunId, run));

    public Task<RunRecord?> GetAsync(string runId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_runs.GetValueOrDefault(runId));

    public Task<IReadOnlyList<RunRecord>> RecentAsync(int count, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<RunRecord>>(_runs.Values.OrderByDescending(r => r.CompletedAt).Take(count).ToList());
}
