using Azure.Data.Tables;
using Dsp.Core.Acceptance;
using Dsp.Core.Policy;
using Dsp.Core.Runs;

namespace Dsp.Storage.Tests;

public class PolicyStoreTests : StorageTest
{
    private static readonly DateTimeOffset Watermark = new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero).AddTicks(1234567);

    [Fact]
    public async Task A_published_snapshot_loads_back_and_its_row_is_current()
    {
        var store = Scope.Policies();
        Assert.Null(await store.GetCurrentAsync());
        var snapshot = Samples.Snapshot(1);
        var description = Samples.Describe(snapshot, Watermark);

        await store.PublishAsync(snapshot, description);

        Assert.Equal(description, await store.GetCurrentAsync());
        Assert.Equal(snapshot.Serialize(), (await store.LoadAsync(1)).Serialize());
        Assert.True(await Blob(BlobPolicyStore.SnapshotBlobName(1)).ExistsAsync());
    }

    [Fact]
    public async Task A_versions_training_buffer_is_kept_beside_its_snapshot_and_a_version_without_one_has_none()
    {
        var store = Scope.Policies();
        byte[] buffer = [.. "DSPB"u8, 1, 0, 0, 0, 42];

        await store.SaveTrainingBufferAsync(3, buffer);
        await store.SaveTrainingBufferAsync(3, buffer); // a replayed retraining writes it again

        Assert.Equal(buffer, await store.LoadTrainingBufferAsync(3));
        Assert.Null(await store.LoadTrainingBufferAsync(2));
        Assert.True(await Blob(BlobPolicyStore.TrainingBufferBlobName(3)).ExistsAsync());
    }

    [Fact]
    public async Task The_acceptance_models_training_size_and_calibration_read_back_and_old_rows_have_none()
    {
        var store = Scope.Policies();
        var calibration = new CalibrationBuilder();
        foreach (var (p, outcome) in new[] { (0.05, false), (0.31, true), (0.31, false), (0.77, true), (0.999, true), (1.0, false), (0.5, true) })
        {
            calibration.Add(p, outcome);
        }

        var v1 = Samples.Snapshot(1);
        var description = Samples.Describe(v1, Watermark) with { TrainedOnExamples = 1234, Calibration = calibration.Build() };
        await store.PublishAsync(v1, description);

        var read = await store.GetCurrentAsync();
        Assert.Equal(description with { Calibration = null }, read! with { Calibration = null });
        Assert.Equal(1234, read.TrainedOnExamples);
        var (expected, actual) = (description.Calibration!, read.Calibration!);
        Assert.Equal((expected.Predictions, expected.LogLoss, expected.Brier, expected.ExpectedCalibrationError), (actual.Predictions, actual.LogLoss, actual.Brier, actual.ExpectedCalibrationError));
        Assert.Equal(expected.Bins, actual.Bins);

        // A failure keeps them (it merges its own properties only).
        await store.RecordFailureAsync("no luck", Watermark);
        Assert.Equal(expected.Bins, (await store.GetCurrentAsync())!.Calibration!.Bins);

        // A row written before the acceptance model existed.
        var table = await Scope.Account.Policies.GetClientAsync();
        var old = PolicyRows.ToEntity(Samples.Describe(Samples.Snapshot(2), Watermark));
        foreach (var name in old.Keys.Where(k => k.StartsWith("Calibration", StringComparison.Ordinal) || k == "TrainedOnExamples").ToList())
        {
            old.Remove(name);
        }

        await table.UpsertEntityAsync(old, TableUpdateMode.Replace);
        var legacy = await store.GetCurrentAsync();
        Assert.Equal(Samples.Describe(Samples.Snapshot(2), Watermark), legacy);
        Assert.Equal((0, (Calibration?)null), (legacy!.TrainedOnExamples, legacy.Calibration));

        old["CalibrationPredictions"] = 3;
        old["CalibrationBins"] = "[]";
        await table.UpsertEntityAsync(old, TableUpdateMode.Replace);
        var error = await Assert.ThrowsAsync<InvalidRowException>(() => store.GetCurrentAsync());
        Assert.Contains("'CalibrationBins'", error.Message);
    }

    [Fact]
    public async Task An_older_or_equal_version_does_not_replace_the_current_one()
    {
        var store = Scope.Policies();
        var v2 = Samples.Snapshot(2);
        await store.PublishAsync(v2, Samples.Describe(v2, Watermark));

        var older = Samples.Snapshot(1);
        await Assert.ThrowsAsync<PolicyVersionConflictException>(() => store.PublishAsync(older, Samples.Describe(older)));
        await store.PublishAsync(v2, Samples.Describe(v2, Watermark) with { TrainingLoss = 9 }); // replayed: no change
        var other = Samples.Snapshot(2, seed: 5);
        await Assert.ThrowsAsync<PolicyVersionConflictException>(() => store.PublishAsync(other, Samples.Describe(other)));

        Assert.Equal(Samples.Describe(v2, Watermark), await store.GetCurrentAsync());
        Assert.Equal(v2.Serialize(), (await store.LoadAsync(2)).Serialize());

        var v3 = Samples.Snapshot(3);
        await store.PublishAsync(v3, Samples.Describe(v3));
        Assert.Equal(3, (await store.GetCurrentAsync())!.Version);
    }

    [Fact]
    public async Task A_corrupt_or_missing_snapshot_fails_to_load()
    {
        var store = Scope.Policies();
        await store.PublishAsync(Samples.Snapshot(1), Samples.Describe(Samples.Snapshot(1)));
        var bytes = Samples.Snapshot(2).Serialize();
        await Blob(BlobPolicyStore.SnapshotBlobName(2)).UploadAsync(BinaryData.FromBytes(bytes[..^5]));
        bytes[40] ^= 0xFF;
        await Blob(BlobPolicyStore.SnapshotBlobName(3)).UploadAsync(BinaryData.FromBytes(bytes));

        await Assert.ThrowsAsync<PolicySnapshotFormatException>(() => store.LoadAsync(2));
        await Assert.ThrowsAsync<PolicySnapshotFormatException>(() => store.LoadAsync(3));
        var missing = await Assert.ThrowsAsync<PolicySnapshotFormatException>(() => store.LoadAsync(4));
        Assert.Contains("missing", missing.Message);
    }

    [Fact]
    public async Task A_recorded_failure_shows_on_the_current_row_and_the_version_stays()
    {
        var store = Scope.Policies();
        var v1 = Samples.Snapshot(1);
        var description = Samples.Describe(v1, Watermark);
        await store.PublishAsync(v1, description);
        var at = new DateTimeOffset(2026, 11, 28, 11, 0, 0, TimeSpan.Zero);

        await store.RecordFailureAsync("training failed: reward 0.5", at);

        Assert.Equal(description with { LastError = "training failed: reward 0.5", LastErrorAt = at }, await store.GetCurrentAsync());
        Assert.Equal(v1.Serialize(), (await store.LoadAsync(1)).Serialize());

        var v2 = Samples.Snapshot(2);
        await store.PublishAsync(v2, Samples.Describe(v2, Watermark));
        Assert.Equal(Samples.Describe(v2, Watermark), await store.GetCurrentAsync()); // the failure went with version 1
    }

    [Fact]
    public async Task A_failure_before_any_publication_is_recorded_on_a_version_0_row()
    {
        var store = Scope.Policies();
        var at = new DateTimeOffset(2026, 11, 28, 11, 0, 0, TimeSpan.Zero);

        await store.RecordFailureAsync("no luck", at);

        Assert.Equal(new PublishedPolicy(0, null, 0, 0, null, "no luck", at), await store.GetCurrentAsync());
        var v1 = Samples.Snapshot(1);
        await store.PublishAsync(v1, Samples.Describe(v1));
        Assert.Equal(Samples.Describe(v1), await store.GetCurrentAsync());
    }

    [Fact]
    public async Task The_training_lease_is_exclusive_until_released()
    {
        var store = Scope.Policies();
        var elsewhere = new BlobPolicyStore(Scope.SecondAccount(), Microsoft.Extensions.Logging.Abstractions.NullLogger<BlobPolicyStore>.Instance);

        var held = await store.TryAcquireTrainingLeaseAsync(TimeSpan.FromSeconds(1)); // clamped to 15 s
        Assert.NotNull(held);
        Assert.Null(await elsewhere.TryAcquireTrainingLeaseAsync(TimeSpan.FromSeconds(60)));
        Assert.Null(await store.TryAcquireTrainingLeaseAsync(TimeSpan.FromSeconds(60)));

        await held.DisposeAsync();
        await held.DisposeAsync(); // once is enough

        var again = await elsewhere.TryAcquireTrainingLeaseAsync(TimeSpan.FromSeconds(60));
        Assert.NotNull(again);
        await again.DisposeAsync();
    }

    [Fact]
    public async Task A_held_lease_is_renewed_beyond_its_period()
    {
        var store = Scope.Policies();
        var held = await store.TryAcquireTrainingLeaseAsync(TimeSpan.FromSeconds(15));
        Assert.NotNull(held);

        await Task.Delay(TimeSpan.FromSeconds(17));

        Assert.Null(await store.TryAcquireTrainingLeaseAsync(TimeSpan.FromSeconds(15)));
        await held.DisposeAsync();
        var again = await store.TryAcquireTrainingLeaseAsync(TimeSpan.FromSeconds(15));
        Assert.NotNull(again);
        await again.DisposeAsync();
    }

    private Azure.Storage.Blobs.BlobClient Blob(string name) =>
        Scope.Account.BlobService.GetBlobContainerClient(Scope.Options.PolicyContainer).GetBlobClient(name);
}
