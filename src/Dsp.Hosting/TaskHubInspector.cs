using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace Dsp.Hosting;

/// <summary>How much a plan's history takes in a task hub of the Azure Storage provider.</summary>
/// <param name="Rows">History rows left in the table. The provider writes an execution's events at row keys from 0 up,
/// replacing the previous execution's, so after continuing as new these are about the longest execution's rows.</param>
/// <param name="TableBytes">Their size as the Table service counts it: strings at two bytes a character.</param>
/// <param name="Blobs">Payloads the provider moved to blobs because they passed a queue message's or a table
/// property's limit.</param>
/// <param name="BlobBytes">Their size.</param>
public sealed record HistorySize(int Rows, long TableBytes, int Blobs, long BlobBytes)
{
    public long Bytes => TableBytes + BlobBytes;
}

/// <summary>Reads what the Durable Task Azure Storage provider keeps for an instance: for measurements and tests.</summary>
public static class TaskHubInspector
{
    /// <summary>The history of <paramref name="instanceId"/> in task hub <paramref name="hub"/>.</summary>
    public static async Task<HistorySize> HistoryAsync(string connectionString, string hub, string instanceId, CancellationToken cancellationToken = default)
    {
        var rows = 0;
        long tableBytes = 0;
        await foreach (var row in new TableClient(connectionString, hub + "History").QueryAsync<TableEntity>(e => e.PartitionKey == instanceId, cancellationToken: cancellationToken))
        {
            rows++;
            tableBytes += row.Sum(property => 2L * property.Key.Length + property.Value switch
            {
                string text => 2L * text.Length,
                byte[] binary => binary.Length,
                BinaryData data => data.ToMemory().Length,
                _ => 8,
            });
        }

        var blobs = 0;
        long blobBytes = 0;
        var container = new BlobContainerClient(connectionString, LargePayloadContainer(hub));
        if (await container.ExistsAsync(cancellationToken))
        {
            await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, instanceId + "/", cancellationToken))
            {
                blobs++;
                blobBytes += blob.Properties.ContentLength ?? 0;
            }
        }

        return new HistorySize(rows, tableBytes, blobs, blobBytes);
    }

    /// <summary>Where the provider keeps payloads too large for a queue message or a table property.</summary>
    public static string LargePayloadContainer(string hub) => hub.ToLowerInvariant() + "-largemessages";
}
