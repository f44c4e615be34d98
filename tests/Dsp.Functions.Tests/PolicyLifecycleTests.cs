using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Dsp.Core.Traces;
using Dsp.Functions.Http;
using Dsp.Functions.Planning;
using Dsp.Functions.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dsp.Functions.Tests;

/// <summary>Plans record their training data, the timer retrains, the drafts' decisions pick the new policy up, GET /api/policy
/// shows it. The τ/β (<c>dsp</c>) policy's lifecycle; the adaptive policy's is in AdaptivePolicyLifecycleTests.</summary>
public class PolicyLifecycleTests
{
    private static readonly IReadOnlyList<AgentTrace> Traces = TraceReader.ReadFile(PlanHost.BundledTraces);

    private static PlanInput Input(AgentTrace trace) => new(trace.Task, 0.9f, 0, trace.Steps.Count, "exact", "default", trace.Id, PolicyNames.Dsp);

    private static async Task<PolicyStatus> GetPolicy(PlanHost host) => Assert.IsType<PolicyStatus>(Assert.IsType<OkObjectResult>(
        await ActivatorUtilities.CreateInstance<PolicyApi>(host.Services).GetPolicy(new DefaultHttpContext().Request, default)).Value);

    private static Task<RetrainOutcome> Retrain(PlanHost host) =>
        ActivatorUtilities.CreateInstance<RetrainPolicyFunction>(host.Services).RetrainPolicy(new TimerInfo(), default);

    [Fact]
    public async Task The_timer_trains_on_recorded_runs_and_new_plans_use_the_new_policy_without_a_restart()
    {
        await using var host = await PlanHost.StartAsync();
        var coldPlans = await Task.WhenAll(Traces.Take(10).Select(t => host.PlanAsync(Input(t))));
        Assert.All(coldPlans, p => Assert.Null(p.Run.PolicyVersion));

        var first = await Retrain(host);
        var nothingNew = await Retrain(host);
        var warmPlan = await host.PlanAsync(Input(Traces[10]));
        var policy = await GetPolicy(host);

        Assert.Equal(RetrainResult.Published, first.Result);
        Assert.Equal(coldPlans.Sum(p => p.Run.Transitions), first.Transitions);
        Assert.Equal(RetrainResult.NothingNew, nothingNew.Result);
        Assert.Equal(1, warmPlan.Run.PolicyVersion);
        Assert.Equal(1, policy.Version);
        Assert.Equal(first.Transitions, policy.TrainedOnTransitions);
        Assert.Equal(11, policy.Recent.Plans);
        Assert.Equal(1.0, policy.Recent.LosslessShare);
        Assert.True(policy.Recent.MeanLatencyRatio > 0); // at 1/500 speed the orchestration overhead dominates the ratio
    }

    [Fact]
    public async Task A_corrupt_published_snapshot_leaves_the_previous_one_in_service_and_shows_the_failure()
    {
        await using var host = await PlanHost.StartAsync();
        await Task.WhenAll(Traces.Take(5).Select(t => host.PlanAsync(Input(t))));
        await Retrain(host);
        var onFirst = await host.PlanAsync(Input(Traces[5]));
        await Retrain(host);
        host.Policies.ReplaceStoredBytes(2, [1, 2, 3]);

        var onBroken = await host.PlanAsync(Input(Traces[6]));
        var policy = await GetPolicy(host);

        Assert.Equal(1, onFirst.Run.PolicyVersion);
        Assert.Equal(1, onBroken.Run.PolicyVersion);
        Assert.Equal(2, policy.Version);
        Assert.Contains("v1 stays in service", policy.LastError);
        Assert.Equal(PlanOutcomes.Completed, onBroken.Outcome);
    }

    /// <summary>A published snapshot spoilt in one way, and what the failure must say.</summary>
    public static TheoryData<string, string> BrokenSnapshots => new()
    {
        { "truncated", "truncated or corrupt" },
        { "other format version", $"format version {PolicySnapshot.FormatVersion + 1} is not supported" },
        { "wrong checksum", "checksum does not match" },
        { "other features", "trained on features 'other-features/1'" },
    };

    [Theory]
    [MemberData(nameof(BrokenSnapshots))]
    public async Task A_broken_snapshot_leaves_the_previous_one_in_service_is_logged_and_shows_in_GET_policy(string damage, string problem)
    {
        var logs = new LogCapture();
        await using var host = await PlanHost.StartAsync(logs: logs);
        await Task.WhenAll(Traces.Take(5).Select(t => host.PlanAsync(Input(t))));
        await Retrain(host);
        var onFirst = await host.PlanAsync(Input(Traces[5]));
        await Retrain(host);
        var good = (await host.Policies.LoadAsync(2)).Serialize();
        host.Policies.ReplaceStoredBytes(2, Spoil(good, damage));

        var onBroken = await host.PlanAsync(Input(Traces[6]));
        var policy = await GetPolicy(host);

        Assert.Equal(1, onFirst.Run.PolicyVersion);
        Assert.Equal(1, onBroken.Run.PolicyVersion);
        Assert.Equal(PlanOutcomes.Completed, onBroken.Outcome);
        Assert.Equal(2, policy.Version); // published, but not served: the error says so
        Assert.Equal(1, policy.ServingVersion);
        Assert.Contains(problem, policy.LastError, StringComparison.Ordinal);
        Assert.StartsWith("Snapshot v2 could not be loaded", policy.LastError, StringComparison.Ordinal);
        Assert.EndsWith("v1 stays in service.", policy.LastError, StringComparison.Ordinal);
        Assert.NotNull(policy.LastErrorAt);
        var logged = Assert.Single(logs.Entries, e => e.Category == typeof(PolicyProvider).FullName && e.Level == LogLevel.Error);
        Assert.Equal(policy.LastError, logged.Message);
    }

    private static byte[] Spoil(byte[] snapshot, string damage)
    {
        var bytes = snapshot.ToArray();
        switch (damage)
        {
            case "truncated":
                return bytes[..(bytes.Length / 2)];
            case "other format version":
                BitConverter.TryWriteBytes(bytes.AsSpan(4, sizeof(int)), PolicySnapshot.FormatVersion + 1);
                return bytes;
            case "wrong checksum":
                bytes[^1] ^= 0x01; // the checksum itself, over an intact payload
                return bytes;
            default:
                var loaded = PolicySnapshot.Deserialize(snapshot);
                return new PolicySnapshot(loaded.Version, loaded.TrainedOnTransitions, loaded.TrainingLoss, "other-features/1", loaded.Model).Serialize();
        }
    }

    [Fact]
    public async Task A_snapshot_that_could_not_be_read_leaves_the_policy_in_service_and_is_read_again_at_the_next_refresh()
    {
        var store = new FlakyPolicyStore();
        await store.PublishAsync(TrainedSnapshot(), new PublishedPolicy(1, DateTimeOffset.UtcNow, 1, 0, null));
        var logs = new LogCapture();
        using var loggers = LoggerFactory.Create(l => l.AddProvider(logs));
        using var provider = new PolicyProvider(store, new PriorPolicy(null, "none"), Options.Create(new PolicyOptions { RefreshInterval = TimeSpan.Zero }), TimeProvider.System, loggers.CreateLogger<PolicyProvider>());
        store.FailNextLoad = true;

        // Planning goes on with the policy in service (here the cold start) while storage is unreachable.
        Assert.Null(await provider.CurrentAsync(default));
        var warning = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("The storage service is unavailable.", warning.Message, StringComparison.Ordinal);
        var afterwards = await provider.CurrentAsync(default);

        Assert.Equal(1, afterwards?.Version);
        Assert.Null((await store.GetCurrentAsync())!.LastError);
    }

    /// <summary>A snapshot trained on one transition: any valid snapshot will do.</summary>
    private static PolicySnapshot TrainedSnapshot() => new PolicyTrainer(new PolicyOptions().Trainer, new HashedTextFeaturizer())
        .Train(null, [new PolicyTransition("r", new PolicyState("t", [], 0, 0, 0, 0), 0, 1, true)]);

    /// <summary>The in-memory store, whose next load can be made to fail as a storage outage would.</summary>
    private sealed class FlakyPolicyStore : IPolicyStore
    {
        private readonly Core.Runs.InMemory.InMemoryPolicyStore _store = new();

        public bool FailNextLoad { get; set; }

        public Task<PublishedPolicy?> GetCurrentAsync(CancellationToken cancellationToken = default) => _store.GetCurrentAsync(cancellationToken);

        public Task<PolicySnapshot> LoadAsync(long version, CancellationToken cancellationToken = default)
        {
            if (FailNextLoad)
            {
                FailNextLoad = false;
                throw new IOException("The storage service is unavailable.");
            }

            return _store.LoadAsync(version, cancellationToken);
        }

        public Task PublishAsync(PolicySnapshot snapshot, PublishedPolicy description, CancellationToken cancellationToken = default) =>
            _store.PublishAsync(snapshot, description, cancellationToken);

        public Task RecordFailureAsync(string reason, DateTimeOffset at, CancellationToken cancellationToken = default) =>
            _store.RecordFailureAsync(reason, at, cancellationToken);

        public Task SaveTrainingBufferAsync(long version, byte[] buffer, CancellationToken cancellationToken = default) =>
            _store.SaveTrainingBufferAsync(version, buffer, cancellationToken);

        public Task<byte[]?> LoadTrainingBufferAsync(long version, CancellationToken cancellationToken = default) =>
            _store.LoadTrainingBufferAsync(version, cancellationToken);

        public Task<IAsyncDisposable?> TryAcquireTrainingLeaseAsync(TimeSpan duration, CancellationToken cancellationToken = default) =>
            _store.TryAcquireTrainingLeaseAsync(duration, cancellationToken);
    }
}
