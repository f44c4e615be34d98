namespace Dsp.Core.Runs.InMemory;

/// <summary>Training data kept in memory: the embedded store of <c>dsp plan</c> and of tests.</summary>
public sealed class InMemoryTrainingStore(TimeProvider time) : ITrainingStore
{
    private readonly Lock _lock = new();
    private readonly List<(DateTimeOffset RecordedAt, RunTrainingData Run)> _runs = [];

    public Task AppendAsync(RunTrainingData run, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (run.Rows > 0 && !_runs.Exists(r => r.Run.RunId == run.RunId))
            {
                // Strictly increasing recording times, so a watermark never falls between two runs of one instant.
                var now = time.GetUtcNow();
                var recordedAt = _runs.Count > 0 && now <= _runs[^1].RecordedAt ? _runs[^1].RecordedAt.AddTicks(1) : now;
                _runs.Add((recordedAt, run));
            }
        }

        return Task.CompletedTask;
    }

    public Task<TrainingBatch> ReadSinceAsync(DateTimeOffset? watermark, int maxRows, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var read = new List<RunTrainingData>();
            var rows = 0;
            var newest = watermark;
            foreach (var (recordedAt, run) in _runs)
            {
                if (watermark is not null && recordedAt <= watermark)
                {
                    continue;
                }

                if (read.Count > 0 && rows + run.Rows > maxRows)
                {
                    break;
                }

                read.Add(run);
                rows += run.Rows;
                newest = recordedAt;
            }

            return Task.FromResult(new TrainingBatch(read, newest));
        }
    }
}
