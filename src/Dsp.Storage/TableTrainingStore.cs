using Azure;
using Azure.Data.Tables;
using Dsp.Core.Acceptance;
using Dsp.Core.Runs;
using Microsoft.Extensions.Logging;

namespace Dsp.Storage;

/// <summary>
/// The runs' training data — transitions and judged drafts — in one table per UTC day of the runs' completion
/// (<c>Training{yyyyMMdd}</c>), partitioned by completion hour, each run a header row and a small row per transition and
/// per judged draft (see <see cref="TrainingRows"/>). The completion time is the same on every replay of a write, so a
/// replayed write lands on the same keys: writes are insert-only, in entity-group transactions with the header last (a
/// run is readable once whole), and a conflict is checked row by row against what is stored, so nothing is written twice
/// or changed.
/// <para>
/// Reads hand out whole runs in the order they became readable (the header's <c>Timestamp</c>) and cost what was
/// recorded since the watermark, not the table's age: a read lists the day tables from the watermark's day on and asks
/// each only for the partitions from the watermark's hour on, less <see cref="DspStorageOptions.TrainingLookback"/>
/// (for runs recorded late). Runs of the first layout (<c>Transitions</c>) are read as well, as transitions without
/// judged drafts, until that table is drained (<see cref="LegacyTransitionReader"/>).
/// </para>
/// </summary>
public sealed class TableTrainingStore : ITrainingStore
{
    private const int MaximumWriteAttempts = 4;

    private readonly DspStorageAccount _account;
    private readonly TimeProvider _clock;
    private readonly ILogger<TableTrainingStore> _logger;
    private readonly LegacyTransitionReader _legacy;

    public TableTrainingStore(DspStorageAccount account, TimeProvider clock, ILogger<TableTrainingStore> logger)
    {
        _account = account;
        _clock = clock;
        _logger = logger;
        _legacy = new LegacyTransitionReader(account, logger);
    }

    /// <exception cref="ArgumentException">The run is inconsistent, too large, or its id cannot be a key.</exception>
    /// <exception cref="InvalidOperationException">The run is stored already with different data (a reused run id).</exception>
    public async Task AppendAsync(RunTrainingData run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var entities = TrainingRows.ToEntities(run);
        if (run.Rows == 0)
        {
            return;
        }

        var late = _clock.GetUtcNow() - run.CompletedAt;
        if (late > _account.Options.TrainingLookback)
        {
            _logger.RunRecordedLate(run.RunId, late, _account.Options.TrainingLookback);
        }

        var table = await _account.TrainingTable(TrainingRows.Day(run.CompletedAt)).GetClientAsync(cancellationToken).ConfigureAwait(false);
        var added = 0;
        foreach (var batch in TableBatches.Split(entities))
        {
            added += await WriteBatchAsync(table, run.RunId, batch, cancellationToken).ConfigureAwait(false);
        }

        if (added < entities.Count)
        {
            _logger.TrainingRowsAlreadyStored(run.RunId, table.Name, entities.Count - added, added);
        }
    }

    /// <summary>
    /// Up to <paramref name="maxRows"/> transitions and judged drafts of the runs recorded after
    /// <paramref name="watermark"/>, oldest first (by when the run became readable), whole runs only: the read stops
    /// before a run that would pass the cap (the first run is always returned), before a first-layout run still being
    /// written, and never between two runs that became readable at the same instant, so that the next read, after the
    /// returned watermark, misses nothing.
    /// </summary>
    /// <exception cref="InvalidRowException">A row read cannot be what its table holds; the message names the table, run and row.</exception>
    public async Task<TrainingBatch> ReadSinceAsync(DateTimeOffset? watermark, int maxRows, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        var now = _clock.GetUtcNow();
        var lookback = _account.Options.TrainingLookback;
        var candidates = new List<Candidate>();
        foreach (var run in await _legacy.ReadAsync(watermark, now, cancellationToken).ConfigureAwait(false))
        {
            if (run.IsComplete || now - run.LastWritten < _account.Options.IncompleteRunGracePeriod)
            {
                candidates.Add(new Candidate(run.LastWritten, run.RunId, run.Transitions.Count, Waiting: !run.IsComplete, run, Header: null, Found: []));
            }
            else
            {
                _logger.AbandonedRunSkipped(run.RunId, run.Transitions.Count, run.Expected, run.LastWritten);
            }
        }

        var from = watermark - lookback;
        var tables = await _account.TrainingTablesAsync(from is { } f ? TrainingRows.Day(f) : null, cancellationToken).ConfigureAwait(false);
        var tablesRead = 0;
        foreach (var (day, table) in tables)
        {
            // Runs filed under a later day became readable no earlier than that day less the lookback (a run is
            // recorded after it completes, and within the lookback of it): once the read stops before that, it is done.
            if (Select(candidates, maxRows).StoppedAt is { } stop && stop < Start(day) - lookback)
            {
                break;
            }

            var filter = string.Join(" and ", new[]
            {
                from is { } start && TrainingRows.Day(start) == day ? TableClient.CreateQueryFilter($"PartitionKey ge {TrainingRows.PartitionKey(start)}") : null,
                watermark is { } since ? TableClient.CreateQueryFilter($"Timestamp gt {since}") : null,
            }.OfType<string>());
            candidates.AddRange(await ReadCommittedAsync(table, filter, cancellationToken).ConfigureAwait(false));
            tablesRead++;
        }

        var taken = Select(candidates, maxRows).Taken;
        var runs = new List<RunTrainingData>(taken.Count);
        foreach (var candidate in taken)
        {
            runs.Add(candidate.Legacy is { } legacy
                ? new RunTrainingData(legacy.RunId, legacy.LastWritten, [.. legacy.Transitions.Values], new RunExamples(legacy.RunId, legacy.Transitions.Values[0].State.Task, [], []))
                : await ReadWholeAsync(candidate, tables, cancellationToken).ConfigureAwait(false));
        }

        var next = taken.Count > 0 ? taken[^1].At : watermark;
        _logger.TrainingDataRead(runs.Count, runs.Sum(r => r.Transitions.Count), runs.Sum(r => r.Examples.Drafts.Count), watermark, next, tablesRead);
        return new TrainingBatch(runs, next);
    }

    private static DateTimeOffset Start(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>The runs to hand out: whole instants, oldest first, within the cap; and the instant the read stopped
    /// at, if it stopped before the last candidate.</summary>
    private static (List<Candidate> Taken, DateTimeOffset? StoppedAt) Select(List<Candidate> candidates, int maxRows)
    {
        var taken = new List<Candidate>();
        var rows = 0;
        var instants = candidates
            .OrderBy(c => c.At)
            .ThenBy(c => c.RunId, StringComparer.Ordinal)
            .GroupBy(c => c.At);
        foreach (var instant in instants)
        {
            var size = instant.Sum(c => c.Rows);
            if (instant.Any(c => c.Waiting) || (taken.Count > 0 && rows + size > maxRows))
            {
                return (taken, instant.Key);
            }

            taken.AddRange(instant);
            rows += size;
        }

        return (taken, null);
    }

    /// <summary>The committed runs among a table's rows that match <paramref name="filter"/> (the rows found with them).</summary>
    private static async Task<List<Candidate>> ReadCommittedAsync(TableClient table, string filter, CancellationToken cancellationToken)
    {
        var headers = new List<RunHeader>();
        var rows = new Dictionary<(string Partition, string RunId), List<TableEntity>>();
        try
        {
            await foreach (var entity in table.QueryAsync<TableEntity>(filter.Length == 0 ? null : filter, 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (!TrainingRows.TryParseKey(entity.RowKey, out var runId, out var kind, out _))
                {
                    throw new InvalidRowException(table.Name, entity.PartitionKey, entity.RowKey, "its key is not that of a training row");
                }

                if (kind == 'h')
                {
                    headers.Add(TrainingRows.ReadHeader(table.Name, entity));
                }
                else if (rows.TryGetValue((entity.PartitionKey, runId), out var list))
                {
                    list.Add(entity);
                }
                else
                {
                    rows.Add((entity.PartitionKey, runId), [entity]);
                }
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Deleted since it was listed: nothing to read.
        }

        // Rows without a header belong to runs still being written (or abandoned part-way): not readable yet.
        return [.. headers.Select(h => new Candidate(h.CommittedAt, h.RunId, h.Rows, Waiting: false, Legacy: null, h, rows.GetValueOrDefault((h.Entity.PartitionKey, h.RunId)) ?? []))];
    }

    /// <summary>Rebuilds a run; when some of its rows were written before the watermark (a run written in several
    /// transactions across an earlier read), reads them all from its partition.</summary>
    private static async Task<RunTrainingData> ReadWholeAsync(Candidate candidate, IReadOnlyList<(DateOnly Day, TableClient Table)> tables, CancellationToken cancellationToken)
    {
        var header = candidate.Header!;
        if (candidate.Found.Count == header.Entities - 1)
        {
            return TrainingRows.Read(header, candidate.Found);
        }

        var table = tables.Single(t => t.Table.Name == header.Table).Table;
        var (from, to) = TrainingRows.RunRange(header.RunId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {header.Entity.PartitionKey} and RowKey ge {from} and RowKey lt {to}");
        var rows = new List<TableEntity>();
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (TrainingRows.TryParseKey(entity.RowKey, out var runId, out var kind, out _) && runId == header.RunId && kind != 'h')
            {
                rows.Add(entity);
            }
        }

        return TrainingRows.Read(header, rows);
    }

    /// <summary>Adds a transaction's rows; rows already stored (a replayed write) must be the same. Returns how many
    /// this write added.</summary>
    private static async Task<int> WriteBatchAsync(TableClient table, string runId, List<TableEntity> batch, CancellationToken cancellationToken)
    {
        var pending = batch;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await table.SubmitTransactionAsync(
                    pending.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)), cancellationToken).ConfigureAwait(false);
                return pending.Count;
            }
            catch (RequestFailedException e) when (e.Status == 409 && attempt < MaximumWriteAttempts)
            {
                // The transaction is atomic: none of it was written. Some rows exist already (a replayed activity, or
                // a concurrent one): keep those that match, add the rest.
            }

            pending = await MissingRowsAsync(table, runId, batch, cancellationToken).ConfigureAwait(false);
            if (pending.Count == 0)
            {
                return 0;
            }
        }
    }

    private static async Task<List<TableEntity>> MissingRowsAsync(TableClient table, string runId, List<TableEntity> batch, CancellationToken cancellationToken)
    {
        var (from, to) = TrainingRows.RunRange(runId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {batch[0].PartitionKey} and RowKey ge {from} and RowKey lt {to}");
        var wanted = batch.ToDictionary(e => e.RowKey, StringComparer.Ordinal);
        var stored = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (wanted.ContainsKey(entity.RowKey))
            {
                stored[entity.RowKey] = entity;
            }
        }

        var missing = new List<TableEntity>();
        foreach (var entity in batch)
        {
            if (!stored.TryGetValue(entity.RowKey, out var existing))
            {
                missing.Add(entity);
            }
            else if (!RowContent.Same(entity, existing))
            {
                throw new InvalidOperationException(
                    $"Run '{runId}' already has a different row '{entity.RowKey}' in partition '{entity.PartitionKey}' of table '{table.Name}': a run's training data is written once and never changes (was a run id reused?).");
            }
        }

        return missing;
    }

    /// <summary>A run a read may hand out.</summary>
    /// <param name="At">When it became readable.</param>
    /// <param name="RunId">The run.</param>
    /// <param name="Rows">Its transitions and judged drafts.</param>
    /// <param name="Waiting">A first-layout run still being written: the read stops before it.</param>
    /// <param name="Legacy">The first-layout run, or null.</param>
    /// <param name="Header">The run's header, or null.</param>
    /// <param name="Found">The run's other rows that the read found with its header.</param>
    private sealed record Candidate(DateTimeOffset At, string RunId, int Rows, bool Waiting, LegacyRun? Legacy, RunHeader? Header, List<TableEntity> Found);
}
