using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Dsp.Core.Policy;
using Microsoft.Extensions.Logging;

namespace Dsp.Storage;

/// <summary>A run of the first layout as a read found it.</summary>
internal sealed class LegacyRun(string runId, int expected)
{
    public string RunId => runId;

    /// <summary>How many transitions it recorded.</summary>
    public int Expected => expected;

    /// <summary>Those stored, by index.</summary>
    public SortedList<int, PolicyTransition> Transitions { get; } = [];

    /// <summary>Its newest row's <c>Timestamp</c>: when it became whole, if it is.</summary>
    public DateTimeOffset LastWritten { get; private set; }

    public bool IsComplete => Transitions.Count == expected;

    public void Add(TransitionRow row, DateTimeOffset written)
    {
        Transitions[row.Index] = row.Transition;
        LastWritten = written > LastWritten ? written : LastWritten;
    }
}

/// <summary>
/// Reads the first layout's <c>Transitions</c> table (one partition per run; read by row <c>Timestamp</c>, which the
/// service does not index, so every read scans the table) until it is drained: once no row has been written to it for
/// <see cref="QuietPeriod"/> (the app no longer writes it), the newest instant it holds is recorded in the
/// <c>TrainingState</c> table (row <c>legacy</c>/<c>drained</c>), and reads from that watermark on never touch it again.
/// </summary>
internal sealed class LegacyTransitionReader(DspStorageAccount account, ILogger logger)
{
    /// <summary>No row written for this long: the instances of the first layout are gone (a deployment replaces them
    /// in minutes), and the table will not change.</summary>
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromHours(1);

    public const string StatePartition = "legacy";
    public const string StateRow = "drained";

    /// <summary>Recorded once, never changed: cached when read.</summary>
    private DateTimeOffset? _drainedThrough;

    /// <summary>The runs with a row written after <paramref name="watermark"/> (whole: a run partly before it is read
    /// again in full); none, without a request to the table, once it is drained through the watermark.</summary>
    public async Task<IReadOnlyList<LegacyRun>> ReadAsync(DateTimeOffset? watermark, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (watermark is { } mark && await DrainedThroughAsync(cancellationToken).ConfigureAwait(false) is { } drained && mark >= drained)
        {
            return [];
        }

        var table = account.TableService.GetTableClient(account.Transitions.Name); // never created: it is only read
        var filter = watermark is { } since ? TableClient.CreateQueryFilter($"Timestamp gt {since}") : null;
        var runs = await ReadRunsAsync(table, filter, cancellationToken).ConfigureAwait(false);
        foreach (var partial in runs.Values.Where(r => !r.IsComplete).ToList())
        {
            var whole = await ReadRunsAsync(table, TableClient.CreateQueryFilter($"PartitionKey eq {partial.RunId}"), cancellationToken).ConfigureAwait(false);
            if (whole.TryGetValue(partial.RunId, out var run))
            {
                runs[partial.RunId] = run;
            }
        }

        // Quiet since the newest row read (or, when none is newer than the watermark, since the watermark): drained.
        var newest = runs.Count > 0 ? runs.Values.Max(r => r.LastWritten) : watermark;
        var incomplete = runs.Values.Any(r => !r.IsComplete && now - r.LastWritten < account.Options.IncompleteRunGracePeriod);
        if (newest is { } through && now - through >= QuietPeriod && !incomplete)
        {
            await RecordDrainedAsync(through, now, cancellationToken).ConfigureAwait(false);
        }

        return [.. runs.Values];
    }

    private async Task<DateTimeOffset?> DrainedThroughAsync(CancellationToken cancellationToken)
    {
        if (_drainedThrough is { } known)
        {
            return known;
        }

        var state = account.TableService.GetTableClient(account.TrainingState.Name);
        try
        {
            var row = await state.GetEntityIfExistsAsync<TableEntity>(StatePartition, StateRow, cancellationToken: cancellationToken).ConfigureAwait(false);
            return row.HasValue ? _drainedThrough = ReadState(state.Name, row.Value!) : null;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null; // No state table yet.
        }
    }

    private async Task RecordDrainedAsync(DateTimeOffset through, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var state = await account.TrainingState.GetClientAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await state.AddEntityAsync(
                new TableEntity(StatePartition, StateRow)
                {
                    ["ThroughTicks"] = through.UtcTicks,
                    ["Through"] = through.ToString("o", CultureInfo.InvariantCulture),
                    ["RecordedAt"] = now,
                },
                cancellationToken).ConfigureAwait(false);
            _drainedThrough = through;
            logger.LegacyTableDrained(account.Transitions.Name, through);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Recorded by another instance: theirs holds.
            var row = await state.GetEntityAsync<TableEntity>(StatePartition, StateRow, cancellationToken: cancellationToken).ConfigureAwait(false);
            _drainedThrough = ReadState(state.Name, row.Value);
        }
    }

    private static DateTimeOffset ReadState(string table, TableEntity entity) =>
        new(new RowReader(table, entity).Int64("ThroughTicks"), TimeSpan.Zero);

    private static async Task<Dictionary<string, LegacyRun>> ReadRunsAsync(TableClient table, string? filter, CancellationToken cancellationToken)
    {
        var runs = new Dictionary<string, LegacyRun>(StringComparer.Ordinal);
        try
        {
            await foreach (var entity in table.QueryAsync<TableEntity>(filter, 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                var row = TransitionRows.Read(table.Name, entity);
                var written = entity.Timestamp ?? throw new InvalidRowException(table.Name, entity.PartitionKey, entity.RowKey, "it has no timestamp");
                if (!runs.TryGetValue(entity.PartitionKey, out var run))
                {
                    runs.Add(entity.PartitionKey, run = new LegacyRun(entity.PartitionKey, row.Count));
                }
                else if (row.Count != run.Expected)
                {
                    throw new InvalidRowException(table.Name, entity.PartitionKey, entity.RowKey, $"it counts {row.Count} transitions in the run where another row counts {run.Expected}");
                }

                run.Add(row, written);
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // The table was never created: a deployment that started with the current layout.
        }

        return runs;
    }
}
