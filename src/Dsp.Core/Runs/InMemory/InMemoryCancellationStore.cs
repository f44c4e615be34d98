using System.Collections.Concurrent;

namespace Dsp.Core.Runs.InMemory;

/// <summary>Cancelled calls and runs, in memory.</summary>
public sealed class InMemoryCancellationStore : ICancellationStore
{
    private readonly ConcurrentDictionary<(string RunId, CallAttempt? Call), bool> _cancelled = new();

    public Task CancelCallsAsync(string runId, IReadOnlyList<CallAttempt> calls, CancellationToken cancellationToken = default)
    {
        foreach (var call in calls)
        {
            _cancelled[(runId, call)] = true;
        }

        return Task.CompletedTask;
    }

    public Task CancelRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        _cancelled[(runId, null)] = true;
        return Task.CompletedTask;
    }

    public Task<bool> IsCancelledAsync(string runId, CallAttempt attempt, CancellationToken cancellationToken = default) =>
        Task.FromResult(_cancelled.ContainsKey((runId, attempt)) || _cancelled.ContainsKey((runId, null)));

    public Task<bool> IsRunCancelledAsync(string runId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_cancelled.ContainsKey((runId, null)));
}
