using Dsp.Core.Acceptance;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dsp.Storage.Tests;

/// <summary>The timer's logic, <see cref="PolicyRetrainer"/>, on the real stores.</summary>
public class PolicyRetrainerTests : StorageTest
{
    [Fact]
    public async Task It_publishes_a_snapshot_whose_models_were_trained_on_the_stored_transitions_and_judged_drafts()
    {
        var training = Scope.Training();
        var policies = Scope.Policies();
        var runs = Samples.TraceTraining(DateTimeOffset.UtcNow);
        foreach (var run in runs)
        {
            await training.AppendAsync(run);
        }

        var outcome = await Retrainer(training, policies).RunAsync();

        var transitions = runs.Sum(r => r.Transitions.Count);
        var drafts = runs.Sum(r => r.Examples.Drafts.Count);
        Assert.True(drafts > 100);
        Assert.Equal(new RetrainOutcome(RetrainResult.Published, 1, transitions, Examples: drafts), outcome);
        var current = await policies.GetCurrentAsync();
        Assert.Equal((1L, transitions, drafts, (string?)null), (current!.Version, current.TrainedOnTransitions, current.TrainedOnExamples, current.LastError));
        Assert.Null(current.Calibration); // no model was in service to score
        var stored = await training.ReadSinceAsync(null, int.MaxValue);
        Assert.Equal(stored.Watermark, current.Watermark);
        var snapshot = await policies.LoadAsync(1);
        Assert.Equal((1L, transitions, drafts), (snapshot.Version, snapshot.TrainedOnTransitions, snapshot.Acceptance!.TrainedOnExamples));
        Assert.Equal(current.TrainingLoss, snapshot.TrainingLoss);

        // The acceptance model is the one the stored drafts train: they read back exactly as recorded, in the order
        // the retrainer read them.
        Samples.AssertSame([.. runs.OrderBy(r => stored.Runs.Select(s => s.RunId).ToList().IndexOf(r.RunId))], stored.Runs);
        var expected = new AcceptanceTrainer().Train([.. stored.Runs.Where(r => r.Examples.Drafts.Count > 0).Select(r => r.Examples)]);
        Assert.Equal(AcceptanceModelSerializer.Serialize(expected), AcceptanceModelSerializer.Serialize(snapshot.Acceptance));
    }

    [Fact]
    public async Task The_next_version_records_how_well_the_acceptance_model_in_service_predicted_the_drafts_judged_since()
    {
        var training = Scope.Training();
        var policies = Scope.Policies();
        var retrainer = Retrainer(training, policies);
        var runs = Samples.TraceTraining(DateTimeOffset.UtcNow);
        foreach (var run in runs.Take(20))
        {
            await training.AppendAsync(run);
        }

        Assert.Equal(RetrainResult.Published, (await retrainer.RunAsync()).Result);
        var inService = (await policies.LoadAsync(1)).Acceptance!;
        await Task.Delay(30); // completed after the training
        var later = runs.Skip(20).Select(r => r with { CompletedAt = DateTimeOffset.UtcNow }).ToList();
        foreach (var run in later)
        {
            await training.AppendAsync(run);
        }

        Assert.Equal(RetrainResult.Published, (await retrainer.RunAsync()).Result);

        var calibration = (await policies.GetCurrentAsync())!.Calibration;
        var expected = new CalibrationBuilder();
        foreach (var run in later)
        {
            foreach (var draft in run.Examples.Drafts)
            {
                expected.Add(inService.Predict(new PolicyState(run.Examples.Task, [.. run.Examples.Plan.Take(draft.Position)], draft.RoundOffset, 0, 0, 0), draft.Draft), draft.Accepted);
            }
        }

        var want = expected.Build();
        Assert.NotNull(calibration);
        Assert.Equal(later.Sum(r => r.Examples.Drafts.Count), calibration.Predictions);
        Assert.Equal((want.Predictions, want.LogLoss, want.Brier, want.ExpectedCalibrationError), (calibration.Predictions, calibration.LogLoss, calibration.Brier, calibration.ExpectedCalibrationError));
        Assert.Equal(want.Bins, calibration.Bins);
    }

    [Fact]
    public async Task It_skips_when_nothing_is_new_and_trains_on_from_the_last_snapshot_when_something_is()
    {
        var transitions = Scope.Training();
        var policies = Scope.Policies();
        var retrainer = Retrainer(transitions, policies);
        await AppendAsync(transitions, "run-1", "run-2");

        Assert.Equal(RetrainResult.Published, (await retrainer.RunAsync()).Result);
        Assert.Equal(new RetrainOutcome(RetrainResult.NothingNew, 1), await retrainer.RunAsync());

        await AppendAsync(transitions, "run-3");
        Assert.Equal(new RetrainOutcome(RetrainResult.Published, 2, 15, Examples: 15), await retrainer.RunAsync());
        Assert.Equal(2, (await policies.LoadAsync(2)).Version);
        Assert.Equal(new RetrainOutcome(RetrainResult.NothingNew, 2), await retrainer.RunAsync());
    }

    [Fact]
    public async Task An_impossible_transition_fails_training_and_leaves_the_policy_in_service()
    {
        var transitions = Scope.Training();
        var policies = Scope.Policies();
        var retrainer = Retrainer(transitions, policies);
        await AppendAsync(transitions, "run-1");
        await retrainer.RunAsync();
        var before = await policies.GetCurrentAsync();

        var bad = Samples.Training("run-bad");
        await transitions.AppendAsync(bad with { Transitions = [.. bad.Transitions.Select((t, i) => i == 1 ? t with { Reward = 0.5f } : t)] });
        var outcome = await retrainer.RunAsync();

        Assert.Equal((RetrainResult.Failed, 1L), (outcome.Result, outcome.Version));
        Assert.Contains("reward 0.5", outcome.Error);
        var after = await policies.GetCurrentAsync();
        Assert.Equal(before, after! with { LastError = null, LastErrorAt = null });
        Assert.Equal(outcome.Error, after.LastError);
        Assert.NotNull(after.LastErrorAt);
        Assert.Equal(1, (await policies.LoadAsync(1)).Version);
    }

    [Fact]
    public async Task A_corrupt_snapshot_in_service_is_replaced_by_the_next_version_trained_afresh()
    {
        var transitions = Scope.Training();
        var policies = Scope.Policies();
        var retrainer = Retrainer(transitions, policies);
        await AppendAsync(transitions, "run-1");
        await retrainer.RunAsync();
        var container = Scope.Account.BlobService.GetBlobContainerClient(Scope.Options.PolicyContainer);
        await container.GetBlobClient(BlobPolicyStore.SnapshotBlobName(1)).UploadAsync(BinaryData.FromString("garbage, not a snapshot"), overwrite: true);

        await AppendAsync(transitions, "run-2");
        var outcome = await retrainer.RunAsync();

        Assert.Equal((RetrainResult.Published, 2L), (outcome.Result, outcome.Version));
        Assert.Contains("snapshot v1 could not be read", outcome.Error);
        var current = await policies.GetCurrentAsync();
        Assert.Equal(2, current!.Version);
        Assert.Null(current.LastError);
        Assert.Equal(2, (await policies.LoadAsync(2)).Version);
        await Assert.ThrowsAsync<PolicySnapshotFormatException>(() => policies.LoadAsync(1));
    }

    [Fact]
    public async Task Two_concurrent_retrainings_train_once()
    {
        await AppendAsync(Scope.Training(), "run-1", "run-2");
        var overlap = new LeaseOverlap(attempts: 2);

        // Two instances: each its own clients over the same tables and container.
        var first = Retrainer(Scope.Training(), new OverlappingLeases(Scope.Policies(), overlap));
        var secondAccount = Scope.SecondAccount();
        var second = Retrainer(
            new TableTrainingStore(secondAccount, TimeProvider.System, NullLogger<TableTrainingStore>.Instance),
            new OverlappingLeases(new BlobPolicyStore(secondAccount, NullLogger<BlobPolicyStore>.Instance), overlap));

        var outcomes = await Task.WhenAll(first.RunAsync(), second.RunAsync());

        Assert.Equal([RetrainResult.Published, RetrainResult.Busy], outcomes.Select(o => o.Result).Order());
        Assert.Equal(1, (await Scope.Policies().GetCurrentAsync())!.Version);
        Assert.False(await Scope.Account.BlobService.GetBlobContainerClient(Scope.Options.PolicyContainer)
            .GetBlobClient(BlobPolicyStore.SnapshotBlobName(2)).ExistsAsync());
    }

    private static PolicyRetrainer Retrainer(ITrainingStore transitions, IPolicyStore policies) =>
        new(transitions, policies, new PolicyTrainer(new TrainerOptions(), new HashedTextFeaturizer()), new AcceptanceTrainer(), TimeProvider.System, new RetrainOptions());

    private static async Task AppendAsync(TableTrainingStore store, params string[] runIds)
    {
        foreach (var runId in runIds)
        {
            await store.AppendAsync(Samples.Training(runId, $"task {runId}"));
        }
    }

    /// <summary>Counts lease attempts; a held lease is released only once every attempt has been answered, so the
    /// attempts overlap whatever the scheduling.</summary>
    private sealed class LeaseOverlap(int attempts)
    {
        private readonly TaskCompletionSource _allAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _answered;

        public Task AllAnswered => _allAnswered.Task;

        public void Answered()
        {
            if (Interlocked.Increment(ref _answered) == attempts)
            {
                _allAnswered.SetResult();
            }
        }
    }

    private sealed class OverlappingLeases(IPolicyStore inner, LeaseOverlap overlap) : IPolicyStore
    {
        public Task<PublishedPolicy?> GetCurrentAsync(CancellationToken cancellationToken = default) => inner.GetCurrentAsync(cancellationToken);

        public Task<PolicySnapshot> LoadAsync(long version, CancellationToken cancellationToken = default) => inner.LoadAsync(version, cancellationToken);

        public Task PublishAsync(PolicySnapshot snapshot, PublishedPolicy description, CancellationToken cancellationToken = default) =>
            inner.PublishAsync(snapshot, description, cancellationToken);

        public Task RecordFailureAsync(string reason, DateTimeOffset at, CancellationToken cancellationToken = default) =>
            inner.RecordFailureAsync(reason, at, cancellationToken);

        public Task SaveTrainingBufferAsync(long version, byte[] buffer, CancellationToken cancellationToken = default) =>
            inner.SaveTrainingBufferAsync(version, buffer, cancellationToken);

        public Task<byte[]?> LoadTrainingBufferAsync(long version, CancellationToken cancellationToken = default) =>
            inner.LoadTrainingBufferAsync(version, cancellationToken);

        public async Task<IAsyncDisposable?> TryAcquireTrainingLeaseAsync(TimeSpan duration, CancellationToken cancellationToken = default)
        {
            var lease = await inner.TryAcquireTrainingLeaseAsync(duration, cancellationToken);
            overlap.Answered();
            return lease is null ? null : new HeldUntil(lease, overlap.AllAnswered);
        }
    }

    private sealed class HeldUntil(IAsyncDisposable lease, Task until) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await until;
            await lease.DisposeAsync();
        }
    }
}
