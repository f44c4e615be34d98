using Dsp.Core.Acceptance;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dsp.Storage.Tests;

/// <summary>The timer's logic, <see cref="PolicyRetrainer"/>, on the real stores.</summary>
public class PolicyRetrainerTests : StorageTest
{
    [Fact]
    public async Task It_publishes_a_snapshot_trained_on_the_recorded_runs()
    {
        var transitions = Scope.Transitions();
        var policies = Scope.Policies();
        var runs = Samples.TraceRuns();
        foreach (var run in runs)
        {
            await transitions.AppendAsync(run[0].RunId, run);
        }

        var outcome = await Retrainer(transitions, policies).RunAsync();

        var total = runs.Sum(r => r.Count);
        Assert.Equal(new RetrainOutcome(RetrainResult.Published, 1, total), outcome);
        var current = await policies.GetCurrentAsync();
        Assert.Equal((1L, total, (string?)null), (current!.Version, current.TrainedOnTransitions, current.LastError));
        Assert.Equal((await transitions.ReadSinceAsync(null, int.MaxValue)).Watermark, current.Watermark);
        var snapshot = await policies.LoadAsync(1);
        Assert.Equal((1L, total), (snapshot.Version, snapshot.TrainedOnTransitions));
        Assert.Equal(current.TrainingLoss, snapshot.TrainingLoss);
    }

    [Fact]
    public async Task It_skips_when_nothing_is_new_and_trains_on_from_the_last_snapshot_when_something_is()
    {
        var transitions = Scope.Transitions();
        var policies = Scope.Policies();
        var retrainer = Retrainer(transitions, policies);
        await AppendAsync(transitions, "run-1", "run-2");

        Assert.Equal(RetrainResult.Published, (await retrainer.RunAsync()).Result);
        Assert.Equal(new RetrainOutcome(RetrainResult.NothingNew, 1), await retrainer.RunAsync());

        await AppendAsync(transitions, "run-3");
        Assert.Equal(new RetrainOutcome(RetrainResult.Published, 2, 15), await retrainer.RunAsync());
        Assert.Equal(2, (await policies.LoadAsync(2)).Version);
        Assert.Equal(new RetrainOutcome(RetrainResult.NothingNew, 2), await retrainer.RunAsync());
    }

    [Fact]
    public async Task An_impossible_transition_fails_training_and_leaves_the_policy_in_service()
    {
        var transitions = Scope.Transitions();
        var policies = Scope.Policies();
        var retrainer = Retrainer(transitions, policies);
        await AppendAsync(transitions, "run-1");
        await retrainer.RunAsync();
        var before = await policies.GetCurrentAsync();

        var impossible = Samples.Run("run-bad").Select((t, i) => i == 1 ? t with { Reward = 0.5f } : t).ToList();
        await transitions.AppendAsync("run-bad", impossible);
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
        var transitions = Scope.Transitions();
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
        await AppendAsync(Scope.Transitions(), "run-1", "run-2");
        var overlap = new LeaseOverlap(attempts: 2);

        // Two instances: each its own clients over the same tables and container.
        var first = Retrainer(Scope.Transitions(), new OverlappingLeases(Scope.Policies(), overlap));
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
            await store.AppendAsync(new RunTrainingData(runId, DateTimeOffset.UtcNow, Samples.Run(runId, $"task {runId}"), new RunExamples(runId, $"task {runId}", [], [])));
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
