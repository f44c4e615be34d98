using Azure.Storage.Blobs;

namespace Dsp.Storage;

/// <summary>One of the app's blob containers: created the first time it is used, once per process.</summary>
public sealed class StorageContainer(BlobContainerClient client)
{
    private readonly OnceAsync _create = new(() => client.CreateIfNotExistsAsync());

    public string Name => client.Name;

    /// <summary>The client, once the container exists.</summary>
    public async ValueTask<BlobContainerClient> GetClientAsync(CancellationToken cancellationToken = default)
    {
        await _create.RunAsync(cancellationToken).ConfigureAwait(false);
        return client;
    }
}
