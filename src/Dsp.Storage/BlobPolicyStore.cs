using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Microsoft.Extensions.Logging;

namespace Dsp.Storage;

/// <summary>
/// Policy snapshots as immutable blobs <c>snapshots/v{version:D10}.bin</c> in the policy container, and the row
/// <c>policy</c>/<c>current</c> of the <c>Policies</c> table that says which version is in service. A publication
/// uploads the snapshot first (If-None-Match: *), then moves the row forward under optimistic concurrency (ETag),
/// never back. The exclusive right to train is a blob lease on <c>locks/retrain</c>.
/// </summary>
public sealed class BlobPolicyStore(DspStorageAccount account, ILogger<BlobPolicyStore> logger) : IPolicyStore
{
    public const string LeaseBlobName = "locks/retrain";

    /// <summary>Azure Storage leases last 15 to 60 seconds (or forever, which a crash would never give back).</summary>
    public static readonly TimeSpan MinimumLease = TimeSpan.FromSeconds(15);

    public static readonly TimeSpan MaximumLease = TimeSpan.FromSeconds(60);

    /// <summary>Rounds of read-and-replace when concurrent writers keep changing the row.</summary>
    private const int MaximumConcurrencyAttempts = 10;

    public static string SnapshotBlobName(long version) =>
        string.Create(CultureInfo.InvariantCulture, $"snapshots/v{version:D10}.bin");

    /// <summary>The training data a version was trained on (<see cref="TrainingBuffer"/>), next to its snapshot.</summary>
    public static string TrainingBufferBlobName(long version) =>
        string.Create(CultureInfo.InvariantCulture, $"buffers/v{version:D10}.json.gz");

    public async Task SaveTrainingBufferAsync(long version, byte[] buffer, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        var container = await account.PolicyBlobs.GetClientAsync(cancellationToken).ConfigureAwait(false);
        await container.GetBlobClient(TrainingBufferBlobName(version))
            .UploadAsync(BinaryData.FromBytes(buffer), overwrite: true, cancellationToken).ConfigureAwait(false);
    }

    public async Task<byte[]?> LoadTrainingBufferAsync(long version, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        var container = await account.PolicyBlobs.GetClientAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return (await container.GetBlobClient(TrainingBufferBlobName(version)).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<PublishedPolicy?> GetCurrentAsync(CancellationToken cancellationToken = default)
    {
        var table = await account.Policies.GetClientAsync(cancellationToken).ConfigureAwait(false);
        var row = await ReadCurrentAsync(table, cancellationToken).ConfigureAwait(false);
        return row is null ? null : PolicyRows.Read(table.Name, row);
    }

    public async Task<PolicySnapshot> LoadAsync(long version, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        var container = await account.PolicyBlobs.GetClientAsync(cancellationToken).ConfigureAwait(false);
        var blob = container.GetBlobClient(SnapshotBlobName(version));
        BinaryData content;
        try
        {
            content = (await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new PolicySnapshotFormatException($"The snapshot of policy version {version} is missing (blob '{blob.Name}' in container '{container.Name}').", e);
        }

        var snapshot = PolicySnapshot.Deserialize(content.ToMemory().Span);
        return snapshot.Version == version
            ? snapshot
            : throw new PolicySnapshotFormatException($"Blob '{blob.Name}' holds the snapshot of version {snapshot.Version}, not {version}.");
    }

    /// <exception cref="PolicyVersionConflictException">The version is published with other contents, or a newer
    /// version is in service.</exception>
    public async Task PublishAsync(PolicySnapshot snapshot, PublishedPolicy description, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(description);
        if (description.Version != snapshot.Version)
        {
            throw new ArgumentException($"The description is of version {description.Version} but the snapshot of version {snapshot.Version}.", nameof(description));
        }

        await UploadSnapshotAsync(snapshot, cancellationToken).ConfigureAwait(false);

        var table = await account.Policies.GetClientAsync(cancellationToken).ConfigureAwait(false);
        var entity = PolicyRows.ToEntity(description); // Replaces the row: an older failure goes with the older version.
        for (var attempt = 1; attempt <= MaximumConcurrencyAttempts; attempt++)
        {
            var current = await ReadCurrentAsync(table, cancellationToken).ConfigureAwait(false);
            try
            {
                if (current is null)
                {
                    await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var inService = PolicyRows.Read(table.Name, current).Version;
                    if (inService == description.Version)
                    {
                        // The snapshot matched the published one byte for byte: a replayed publication.
                        logger.PolicyAlreadyCurrent(inService);
                        return;
                    }

                    if (inService > description.Version)
                    {
                        throw new PolicyVersionConflictException(
                            $"Policy version {description.Version} cannot replace version {inService}, which is newer and in service.");
                    }

                    await table.UpdateEntityAsync(entity, current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }

                logger.PolicyPublished(description.Version, description.TrainedOnTransitions, description.TrainingLoss, description.TrainedOnExamples);
                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // Another writer changed the row since it was read: read it again.
            }
        }

        throw new InvalidOperationException($"The current policy row kept changing; version {description.Version} was not made current.");
    }

    public async Task RecordFailureAsync(string reason, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var table = await account.Policies.GetClientAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; attempt <= MaximumConcurrencyAttempts; attempt++)
        {
            var current = await ReadCurrentAsync(table, cancellationToken).ConfigureAwait(false);
            try
            {
                long version;
                if (current is null)
                {
                    version = 0;
                    await table.AddEntityAsync(PolicyRows.ToEntity(new PublishedPolicy(0, null, 0, 0, null, reason, at)), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    version = PolicyRows.Read(table.Name, current).Version;
                    await table.UpdateEntityAsync(PolicyRows.Failure(reason, at), current.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                }

                logger.PolicyFailureRecorded(version, reason);
                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // Another writer changed the row since it was read: read it again.
            }
        }

        throw new InvalidOperationException("The current policy row kept changing; the failure was not recorded.");
    }

    /// <summary>
    /// Takes a lease on <c>locks/retrain</c> (created when missing) for <paramref name="duration"/> clamped to the
    /// 15-60 s that Azure Storage allows, renewed in the background while held; null when another holder has it.
    /// </summary>
    public async Task<IAsyncDisposable?> TryAcquireTrainingLeaseAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var period = duration < MinimumLease ? MinimumLease : duration > MaximumLease ? MaximumLease : duration;
        var container = await account.PolicyBlobs.GetClientAsync(cancellationToken).ConfigureAwait(false);
        var blob = container.GetBlobClient(LeaseBlobName);
        var lease = blob.GetBlobLeaseClient();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await lease.AcquireAsync(period, cancellationToken: cancellationToken).ConfigureAwait(false);
                logger.TrainingLeaseAcquired(lease.LeaseId, blob.Name, period);
                return new BlobTrainingLease(lease, blob.Name, period, logger);
            }
            catch (RequestFailedException e) when (e.Status == 409 && e.ErrorCode == BlobErrorCode.LeaseAlreadyPresent.ToString())
            {
                return null;
            }
            catch (RequestFailedException e) when (e.Status == 404 && attempt == 1)
            {
                await CreateLeaseBlobAsync(blob, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<TableEntity?> ReadCurrentAsync(TableClient table, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(PolicyRows.Partition, PolicyRows.Current, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    private async Task UploadSnapshotAsync(PolicySnapshot snapshot, CancellationToken cancellationToken)
    {
        var bytes = snapshot.Serialize();
        var container = await account.PolicyBlobs.GetClientAsync(cancellationToken).ConfigureAwait(false);
        var blob = container.GetBlobClient(SnapshotBlobName(snapshot.Version));
        try
        {
            await blob.UploadAsync(BinaryData.FromBytes(bytes), IfNoneExists(new BlobHttpHeaders { ContentType = "application/octet-stream" }), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Published before: fine when it is this very snapshot (a replayed publication), never replaced.
            var stored = (await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
            if (!stored.ToMemory().Span.SequenceEqual(bytes))
            {
                throw new PolicyVersionConflictException(
                    $"Policy version {snapshot.Version} is already published with a different snapshot (blob '{blob.Name}'); a published version never changes.");
            }
        }
    }

    private static async Task CreateLeaseBlobAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            await blob.UploadAsync(BinaryData.Empty, IfNoneExists(null), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Created meanwhile by another instance (and perhaps leased: the acquisition will tell).
        }
    }

    private static BlobUploadOptions IfNoneExists(BlobHttpHeaders? headers) => new()
    {
        Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
        HttpHeaders = headers,
    };
}
