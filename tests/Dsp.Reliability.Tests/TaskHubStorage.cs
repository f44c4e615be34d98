using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace Dsp.Reliability.Tests;

/// <summary>What a task hub of the Durable Task Azure Storage provider holds: history rows and large-payload blobs.</summary>
internal static class TaskHubStorage
{
    /// <summary>The history rows of <paramref name="instanceId"/> (every execution) and their size: strings at two
    /// bytes a character as the Table service counts them, binary as is, other values at eight bytes.</summary>
    public static async Task<(int Rows, long Bytes)> HistoryAsync(string connectionString, string hub, string instanceId)
    {
        var table = new TableClient(connectionString, hub + "History");
        var rows = 0;
        long bytes = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == instanceId))
        {
            rows++;
            bytes += row.Sum(property => 2L * property.Key.Length + property.Value switch
            {
                string text => 2L * text.Length,
                byte[] binary => binary.Length,
                BinaryData data => data.ToMemory().Length,
                _ => 8,
            });
        }

        return (rows, bytes);
    }

    /// <summary>How many payloads the provider moved to blobs because they passed the queue or table limits.</summary>
    public static async Task<int> LargePayloadBlobsAsync(string connectionString, string hub)
    {
        var container = new BlobContainerClient(connectionString, hub.ToLowerInvariant() + "-largemessages");
        if (!await container.ExistsAsync())
        {
            return 0;
        }

        var blobs = 0;
        await foreach (var _ in container.GetBlobsAsync())
        {
            blobs++;
        }

        return blobs;
    }
}
