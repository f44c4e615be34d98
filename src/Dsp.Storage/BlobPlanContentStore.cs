using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Dsp.Core.Runs;

namespace Dsp.Storage;

/// <summary>
/// Plan documents as blobs <c>{runId}/{name}</c> in the plan container (<see cref="DspStorageOptions.PlanContainer"/>),
/// created once (If-None-Match: *): a name is derived from its document's content, so a blob that exists already holds
/// what a repeated write would store.
/// </summary>
public sealed class BlobPlanContentStore(DspStorageAccount account) : IPlanContentStore
{
    public async Task SaveAsync(string runId, string name, string content, CancellationToken cancellationToken = default)
    {
        var blob = await BlobAsync(runId, name, cancellationToken).ConfigureAwait(false);
        try
        {
            await blob.UploadAsync(
                BinaryData.FromString(content),
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json; charset=utf-8" },
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Written before (a replayed or redelivered write): the same content, by its name.
        }
    }

    public async Task<string?> ReadAsync(string runId, string name, CancellationToken cancellationToken = default)
    {
        var blob = await BlobAsync(runId, name, cancellationToken).ConfigureAwait(false);
        try
        {
            return (await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content.ToString();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    private async Task<BlobClient> BlobAsync(string runId, string name, CancellationToken cancellationToken)
    {
        TableKeys.Validate(runId, nameof(runId));
        TableKeys.Validate(name, nameof(name));
        return (await account.PlanBlobs.GetClientAsync(cancellationToken).ConfigureAwait(false)).GetBlobClient($"{runId}/{name}");
    }
}
