using Azure.Data.Tables;
using Dsp.Core.Runs;

namespace Dsp.Storage;

/// <summary>
/// Cancellation flags in the <c>Cancellations</c> table: PartitionKey = run id, RowKey = the call's
/// <see cref="CallAttempt"/> (<c>r001-d004</c>; <c>r001-d004-a1</c> for its next attempt) or <c>run</c> when the whole
/// run was stopped. Writes are upserts (so idempotent); a check is two point reads.
/// </summary>
public sealed class TableCancellationStore(DspStorageAccount account) : ICancellationStore
{
    /// <summary>The row that cancels every call of its run.</summary>
    public const string RunRowKey = "run";

    public async Task CancelCallsAsync(string runId, IReadOnlyList<CallAttempt> calls, CancellationToken cancellationToken = default)
    {
        TableKeys.Validate(runId, nameof(runId));
        ArgumentNullException.ThrowIfNull(calls);
        var keys = calls.Select(c => c.ToString()).Distinct(StringComparer.Ordinal).ToList();
        if (keys.Count == 0)
        {
            return;
        }

        var table = await account.Cancellations.GetClientAsync(cancellationToken).ConfigureAwait(false);
        foreach (var chunk in keys.Chunk(TableBatches.MaximumCount))
        {
            await table.SubmitTransactionAsync(
                chunk.Select(key => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(runId, key))),
                cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task CancelRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        TableKeys.Validate(runId, nameof(runId));
        var table = await account.Cancellations.GetClientAsync(cancellationToken).ConfigureAwait(false);
        await table.UpsertEntityAsync(new TableEntity(runId, RunRowKey), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> IsCancelledAsync(string runId, CallAttempt attempt, CancellationToken cancellationToken = default)
    {
        TableKeys.Validate(runId, nameof(runId));
        var table = await account.Cancellations.GetClientAsync(cancellationToken).ConfigureAwait(false);
        var found = await Task.WhenAll(
            ExistsAsync(table, runId, attempt.ToString(), cancellationToken),
            ExistsAsync(table, runId, RunRowKey, cancellationToken)).ConfigureAwait(false);
        return found[0] || found[1];
    }

    public async Task<bool> IsRunCancelledAsync(string runId, CancellationToken cancellationToken = default)
    {
        TableKeys.Validate(runId, nameof(runId));
        var table = await account.Cancellations.GetClientAsync(cancellationToken).ConfigureAwait(false);
        return await ExistsAsync(table, runId, RunRowKey, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> ExistsAsync(TableClient table, string runId, string rowKey, CancellationToken cancellationToken) =>
        (await table.GetEntityIfExistsAsync<TableEntity>(runId, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false)).HasValue;
}
