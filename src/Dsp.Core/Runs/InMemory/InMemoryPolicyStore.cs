using Dsp.Core.Policy;

namespace Dsp.Core.Runs.InMemory;

/// <summary>Policy snapshots (kept serialized, as a blob store would) and the current row, in memory.</summary>
public sealed class InMemoryPolicyStore : IPolicyStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, byte[]> _snapshots = [];
    private readonly Dictionary<long, byte[]> _buffers = [];
    private PublishedPolicy? _current;
    private bool _leased;

    public Task<PublishedPolicy?> GetCurrentAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_current);
        }
    }

    public Task<PolicySnapshot> LoadAsync(long version, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return _snapshots.TryGetValue(version, out var bytes)
                ? Task.FromResult(PolicySnapshot.Deserialize(bytes))
                : throw new PolicySnapshotFormatException($"No snapshot of version {version} is stored.");
        }
    }

    public Task PublishAsync(PolicySnapshot snapshot, PublishedPolicy description, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _snapshots.TryAdd(snapshot.Version, snapshot.Serialize());
            if ((_current?.Version ?? 0) < description.Version)
            {
                _current = description;
            }
        }

        return Task.CompletedTask;
    }

    public Task SaveTrainingBufferAsync(long version, byte[] buffer, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _buffers[version] = buffer;
        }

        return Task.CompletedTask;
    }

    public Task<byte[]?> LoadTrainingBufferAsync(long version, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_buffers.GetValueOrDefault(version));
        }
    }

    public Task RecordFailureAsync(string reason, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _current = (_current ?? new PublishedPolicy(0, null, 0, 0, null)) with { LastError = reason, LastErrorAt = at };
        }

        return Task.CompletedTask;
    }

    public Task<IAsyncDisposable?> TryAcquireTrainingLeaseAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_leased)
            {
                return Task.FromResult<IAsyncDisposable?>(null);
            }

            _leased = true;
            return Task.FromResult<IAsyncDisposable?>(new Lease(this));
        }
    }

    /// <summary>Overwrites a stored snapshot's bytes, to stand for a corrupt blob.</summary>
    public void ReplaceStoredBytes(long version, byte[] bytes)
    {
        lock (_lock)
        {
            _snapshots[version] = bytes;
        }
    }

    private sealed class Lease(InMemoryPolicyStore store) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            lock (store._lock)
            {
                store._leased = false;
            }

            return ValueTask.CompletedTask;
        }
    }
}
