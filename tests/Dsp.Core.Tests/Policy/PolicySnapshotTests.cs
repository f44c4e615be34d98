using Dsp.Core.Policy;

namespace Dsp.Core.Tests.Policy;

public class PolicySnapshotTests
{
    private static readonly PolicySnapshot Snapshot = PolicyTraining.Trainer().Train(null, PolicyTraining.EasyAndHardRuns(3));

    [Fact]
    public void A_snapshot_round_trips_with_its_predictions()
    {
        var copy = PolicySnapshot.Deserialize(Snapshot.Serialize());

        Assert.Equal(Snapshot.Version, copy.Version);
        Assert.Equal(Snapshot.TrainedOnTransitions, copy.TrainedOnTransitions);
        Assert.Equal(Snapshot.TrainingLoss, copy.TrainingLoss);
        Assert.Equal(Snapshot.FeaturizerSignature, copy.FeaturizerSignature);
        Assert.Equal(Snapshot.Model.Taus, copy.Model.Taus);
        var policy = new DspDepthPolicy(Snapshot, PolicyTraining.Featurizer, new DepthSelection());
        var policyCopy = new DspDepthPolicy(copy, PolicyTraining.Featurizer, new DepthSelection());
        Assert.Equal(policy.PredictAcceptedDrafts(PolicyTraining.Easy), policyCopy.PredictAcceptedDrafts(PolicyTraining.Easy));
    }

    [Fact]
    public void A_snapshot_is_compact()
    {
        Assert.True(Snapshot.Serialize().Length <= 2 * 1024 * 1024);
    }

    [Fact]
    public void A_truncated_snapshot_is_refused()
    {
        var bytes = Snapshot.Serialize();

        var error = Assert.Throws<PolicySnapshotFormatException>(() => PolicySnapshot.Deserialize(bytes.AsSpan(0, bytes.Length / 2)));
        Assert.Contains("truncated or corrupt", error.Message);
        Assert.Contains("truncated", Assert.Throws<PolicySnapshotFormatException>(() => PolicySnapshot.Deserialize(bytes.AsSpan(0, 10))).Message);
    }

    [Fact]
    public void A_flipped_bit_fails_the_checksum()
    {
        var bytes = Snapshot.Serialize();
        bytes[bytes.Length / 3] ^= 0x10;

        Assert.Contains("checksum", Assert.Throws<PolicySnapshotFormatException>(() => PolicySnapshot.Deserialize(bytes)).Message);
    }

    [Fact]
    public void Another_format_version_is_refused_by_name()
    {
        var bytes = Snapshot.Serialize();
        BitConverter.TryWriteBytes(bytes.AsSpan(4, 4), PolicySnapshot.FormatVersion + 1);

        var error = Assert.Throws<PolicySnapshotFormatException>(() => PolicySnapshot.Deserialize(bytes));
        Assert.Contains($"format version {PolicySnapshot.FormatVersion + 1} is not supported", error.Message);
    }

    [Fact]
    public void A_snapshot_of_the_first_format_still_reads_without_an_acceptance_model()
    {
        // The first format: the same value model section, no acceptance section, its own checksum.
        var current = Snapshot.Serialize();
        var payload = current[..^(32 + sizeof(int))];
        BitConverter.TryWriteBytes(payload.AsSpan(4, 4), 1);
        byte[] first = [.. payload, .. System.Security.Cryptography.SHA256.HashData(payload)];

        var read = PolicySnapshot.Deserialize(first);

        Assert.Equal(Snapshot.Version, read.Version);
        Assert.Null(read.Acceptance);
        Assert.Equal(Snapshot.Model.Taus, read.Model.Taus);
    }

    [Fact]
    public void A_snapshot_carries_its_acceptance_model()
    {
        var acceptance = AcceptanceTraining.Model();

        var copy = PolicySnapshot.Deserialize(Snapshot.WithAcceptance(acceptance).Serialize());

        Assert.NotNull(copy.Acceptance);
        Assert.Equal(acceptance.TrainedOnExamples, copy.Acceptance.TrainedOnExamples);
        Assert.Equal(
            acceptance.Predict(AcceptanceTraining.State("easy task", 1), "step 1"),
            copy.Acceptance.Predict(AcceptanceTraining.State("easy task", 1), "step 1"));
    }

    [Fact]
    public void Something_else_is_not_a_snapshot()
    {
        var error = Assert.Throws<PolicySnapshotFormatException>(() => PolicySnapshot.Deserialize(new byte[100]));
        Assert.Contains("not a DSP policy snapshot", error.Message);
    }
}
