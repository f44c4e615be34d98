using Azure;
using Azure.Data.Tables;
using Dsp.Core.Runs;
using Microsoft.Extensions.Logging;

namespace Dsp.Storage;

/// <summary>
/// Run summaries in the <c>Runs</c> table (PartitionKey <c>run</c>, RowKey = run id). Insert-only: a run is saved with
/// an index row (RowKey = inverted completion ticks) in one transaction, so <see cref="RecentAsync"/> reads the newest
/// runs first without scanning the table; saving a run again changes nothing, the first write wins.
/// </summary>
public sealed class TableRunStore(DspStorageAccount account, ILogger<TableRunStore> logger) : IRunStore
{
    public async Task<bool> SaveAsync(RunRecord run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        RunRows.ValidateRunId(run.RunId, nameof(run));
        var table = await account.Runs.GetClientAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Add, RunRows.ToEntity(run, run.RunId)),
                    new TableTransactionAction(TableTransactionActionType.Add, RunRows.ToEntity(run, RunRows.IndexKey(run))),
                ],
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // The transaction is atomic: the run row exists, written by an earlier (replayed) save with its index row.
            logger.RunAlreadySaved(run.RunId);
            return false;
        }
    }

    public async Task<RunRecord?> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        RunRows.ValidateRunId(runId, nameof(runId));
        var table = await account.Runs.GetClientAsync(cancellationToken).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(RunRows.Partition, runId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? RunRows.Read(table.Name, row.Value!) : null;
    }

    public async Task<IReadOnlyList<RunRecord>> RecentAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var runs = new List<RunRecord>(Math.Min(count, 1000));
        if (count == 0)
        {
            return runs;
        }

        var table = await account.Runs.GetClientAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {RunRows.Partition} and RowKey ge {RunRows.IndexFrom} and RowKey lt {RunRows.IndexTo}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, Math.Min(count, 1000), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            runs.Add(RunRows.Read(table.Name, entity));
            if (runs.Count == count)
            {
                break;
            }
        }

        return runs;
    }
}
