using Azure.Data.Tables;

namespace Dsp.Storage;

/// <summary>One of the app's tables: created the first time it is used, once per process.</summary>
public sealed class StorageTable(TableClient client)
{
    private readonly OnceAsync _create = new(() => client.CreateIfNotExistsAsync());

    /// <summary>The table's name, prefix included.</summary>
    public string Name => client.Name;

    /// <summary>The client, once the table exists.</summary>
    public async ValueTask<TableClient> GetClientAsync(CancellationToken cancellationToken = default)
    {
        await _create.RunAsync(cancellationToken).ConfigureAwait(false);
        return client;
    }
}
