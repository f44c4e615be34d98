using Azure;
using Azure.Data.Tables;
using Dsp.Core.Acceptance;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Microsoft.Extensions.Logging;

namespace Dsp.Storage;

/// <summary>
/// Transitions in the <c>Transitions</c> table: one partition per run, one row per transition (RowKey = its 6-digit
/// index). Insert-only: a run's rows are added in entity-group transactions, and a conflict (a replayed activity
/// writing again) is checked row by row against what is stored, so nothing is ever written twice or changed.
/// Reads go by the service's row <c>Timestamp</c> and hand out whole runs only.
/// </summary>
public sealed class TableTrainingStore(DspStorageAccount account, TimeProvider clock, ILogger<TableTrainingStore> logger) : ITrainingStore
{
    private const int MaximumWriteAttempts = 4;

    public async Task AppendAsync(RunTrainingData run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var (runId, transitions) = (run.RunId, run.Transitions);
        TableKeys.Validate(runId, nameof(runId));
        ArgumentNullException.ThrowIfNull(transitions);
        if (transitions.Count == 0)
        {
            return;
        }

        if (transitions.Count > TransitionRows.MaximumPerRun)
        {
            throw new ArgumentException($"A run records at most {TransitionRows.MaximumPerRun} transitions; run '{runId}' has {transitions.Count}.", nameof(run));
        }

        var entities = new List<TableEntity>(transitions.Count);
        for (var i = 0; i < transitions.Count; i++)
        {
            if (transitions[i].RunId != runId)
            {
                throw new ArgumentException($"Transition {i} belongs to run '{transitions[i].RunId}', not '{runId}'.", nameof(run));
            }

            entities.Add(TransitionRows.ToEntity(runId, i, transitions.Count, transitions[i]));
        }

        var table = await account.Transitions.GetClientAsync(cancellationToken).ConfigureAwait(false);
        foreach (var batch in TransitionRows.Batches(entities))
        {
            await WriteBatchAsync(table, runId, batch, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Up to <paramref name="maxRows"/> transitions of the runs written after <paramref name="watermark"/>, oldest
    /// run first (by its last row's <c>Timestamp</c>), whole runs only: the read stops before a run that would pass the
    /// cap (the first run is always returned), before a run still being written, and never between two runs written
    /// at the same instant, so that the next read, after the returned watermark, misses nothing.
    /// </summary>
    /// <exception cref="InvalidRowException">A row read cannot be a transition; the message names the run and row.</exception>
    public async Task<TrainingBatch> ReadSinceAsync(DateTimeOffset? watermark, int maxRows, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        var table = await account.Transitions.GetClientAsync(cancellationToken).ConfigureAwait(false);
        var filter = watermark is { } since ? TableClient.CreateQueryFilter($"Timestamp gt {since}") : null;
        var runs = await ReadRunsAsync(table, filter, cancellationToken).ConfigureAwait(false);

        // A run with rows on both sides of the watermark (written across an earlier read) is read whole.
        foreach (var partial in runs.Values.Where(r => !r.IsComplete).ToList())
        {
            var whole = await ReadRunsAsync(table, TableClient.CreateQueryFilter($"PartitionKey eq {partial.RunId}"), cancellationToken).ConfigureAwait(false);
            if (whole.TryGetValue(partial.RunId, out var run))
            {
                runs[partial.RunId] = run;
            }
        }

        var now = clock.GetUtcNow();
        var taken = new List<StoredRun>();
        var count = 0;
        var instants = runs.Values
            .OrderBy(r => r.LastWritten)
            .ThenBy(r => r.RunId, StringComparer.Ordinal)
            .GroupBy(r => r.LastWritten);
        foreach (var instant in instants)
        {
            var complete = new List<StoredRun>();
            var waiting = false;
            foreach (var run in instant)
            {
                if (run.IsComplete)
                {
                    complete.Add(run);
                }
                else if (now - run.LastWritten >= account.Options.IncompleteRunGracePeriod)
                {
                    logger.AbandonedRunSkipped(run.RunId, run.Rows.Count, run.Expected, run.LastWritten);
                }
                else
                {
                    waiting = true;
                }
            }

            var size = complete.Sum(r => r.Rows.Count);
            if (waiting || (taken.Count > 0 && count + size > maxRows))
            {
                break;
            }

            taken.AddRange(complete);
            count += size;
        }

        var next = taken.Count > 0 ? taken[^1].LastWritten : watermark;
        logger.TransitionsRead(taken.Sum(r => r.Rows.Count), taken.Count, watermark, next);
        return new TrainingBatch(
            [.. taken.Select(r => new RunTrainingData(r.RunId, r.LastWritten, [.. r.Rows.Values], new RunExamples(r.RunId, r.Rows.Values[0].State.Task, [], [])))],
            next);
    }

    private async Task WriteBatchAsync(TableClient table, string runId, List<TableEntity> batch, CancellationToken cancellationToken)
    {
        var pending = batch;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await table.SubmitTransactionAsync(
                    pending.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)), cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (RequestFailedException e) when (e.Status == 409 && attempt < MaximumWriteAttempts)
            {
                // The transaction is atomic: none of it was written. Some rows exist already (a replayed activity, or
                // a concurrent one): keep those that match, add the rest.
            }

            pending = await MissingRowsAsync(table, runId, batch, cancellationToken).ConfigureAwait(false);
            if (pending.Count == 0)
            {
                break;
            }
        }

        if (!ReferenceEquals(pending, batch))
        {
            logger.TransitionsAlreadyStored(runId, batch[0].RowKey, batch[^1].RowKey, pending.Count);
        }
    }

    private static async Task<List<TableEntity>> MissingRowsAsync(TableClient table, string runId, List<TableEntity> batch, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {runId} and RowKey ge {batch[0].RowKey} and RowKey le {batch[^1].RowKey}");
        var stored = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, TransitionRows.MaximumBatchCount, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            stored[entity.RowKey] = entity;
        }

        var missing = new List<TableEntity>();
        foreach (var entity in batch)
        {
            if (!stored.TryGetValue(entity.RowKey, out var existing))
            {
                missing.Add(entity);
            }
            else if (!TransitionRows.Same(TransitionRows.Read(table.Name, entity), TransitionRows.Read(table.Name, existing)))
            {
                throw new InvalidOperationException(
                    $"Run '{runId}' already has a different transition {entity.RowKey} in table '{table.Name}': a run's transitions are written once and never change (was a run id reused?).");
            }
        }

        return missing;
    }

    private static async Task<Dictionary<string, StoredRun>> ReadRunsAsync(TableClient table, string? filter, CancellationToken cancellationToken)
    {
        var runs = new Dictionary<string, StoredRun>(StringComparer.Ordinal);
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!runs.TryGetValue(entity.PartitionKey, out var run))
            {
                runs.Add(entity.PartitionKey, run = new StoredRun(entity.PartitionKey));
            }

            run.Add(table.Name, entity);
        }

        return runs;
    }

    /// <summary>The rows of one run read so far.</summary>
    private sealed class StoredRun(string runId)
    {
        public string RunId => runId;

        public SortedList<int, PolicyTransition> Rows { get; } = [];

        /// <summary>How many transitions the run recorded.</summary>
        public int Expected { get; private set; }

        /// <summary>The newest row's timestamp.</summary>
        public DateTimeOffset LastWritten { get; private set; }

        public bool IsComplete => Rows.Count == Expected;

        public void Add(string table, TableEntity entity)
        {
            var row = TransitionRows.Read(table, entity);
            if (Rows.Count > 0 && row.Count != Expected)
            {
                throw new InvalidRowException(table, runId, entity.RowKey, $"it counts {row.Count} transitions in the run where another row counts {Expected}");
            }

            var written = entity.Timestamp ?? throw new InvalidRowException(table, runId, entity.RowKey, "it has no timestamp");
            Expected = row.Count;
            Rows[row.Index] = row.Transition;
            LastWritten = written > LastWritten ? written : LastWritten;
        }
    }
}
