using Dsp.Core.Policy;

namespace Dsp.Core.Runs.InMemory;

/// <summary>Transitions kept in memory: the embedded store of <c>dsp plan</c> and of tests.</summary>
public sealed class InMemoryTransitionStore(TimeProvider time) : ITransitionStore
{
    private readonly Lock _lock = new();
    private readonly List<(DateTimeOffset RecordedAt, string RunId, IReadOnlyList<PolicyTransition> Transitions)> _runs = [];

    public Task AppendAsync(string runId, IReadOnlyList<PolicyTransition> transitions, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (transitions.Count > 0 && !_runs.Exists(r => r.RunId == runId))
            {
                // Strictly increasing recording times, so a watermark never falls between two runs of one instant.
                var now = time.GetUtcNow();
                var recordedAt = _runs.Count > 0 && now <= _runs[^1].RecordedAt ? _runs[^1].RecordedAt.AddTicks(1) : now;
                _runs.Add((recordedAt, runId, transitions));
            }
        }

        return Task.CompletedTask;
    }

    public Task<TransitionBatch> ReadSinceAsync(DateTimeOffset? watermark, int maxCount, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var read = new List<PolicyTransition>();
            var newest = watermark;
            foreach (var (recordedAt, _, transitions) in _runs)
            {
                if (watermark is not null && recordedAt <= watermark)
                {
                    continue;
                }

                if (read.Count > 0 && read.Count + transitions.Count > maxCount)
                {
                    break;
                }

                read.AddRange(transitions);
                newest = recordedAt;
            }

            return Task.FromResult(new TransitionBatch(read, newest));
        }
    }
}
