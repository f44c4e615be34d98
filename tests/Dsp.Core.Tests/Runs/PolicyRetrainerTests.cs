using Dsp.Core.Acceptance;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Dsp.Core.Runs.InMemory;
using Dsp.Core.Tests.Policy;

namespace Dsp.Core.Tests.Runs;

public class PolicyRetrainerTests
{
    private readonly ReadCountingStore _transitions = new(new InMemoryTrainingStore(TimeProvider.System));
    private readonly InMemoryPolicyStore _policies = new();

    private PolicyRetrainer Retrainer(int maxTransitions = 100_000) => new(
        _transitions, _policies, PolicyTraining.Trainer(), new AcceptanceTrainer(), TimeProvider.System, new RetrainOptions { MaxTransitions = maxTransitions });

    [Fact]
    public async Task A_retraining_reads_only_what_was_recorded_since_the_last_and_trains_on_it_with_the_runs_kept()
    {
        await RecordRunsAsync(3, "old");
        await Retrainer().RunAsync();
        var first = await _policies.GetCurrentAsync();
        await RecordRunsAsync(1, "new");
        _transitions.Reads.Clear();

        var second = await Retrainer().RunAsync();

        Assert.Equal(RetrainResult.Published, second.Result);
        Assert.Equal(27 + 9, second.Transitions); // the three old runs from the buffer, the new one from the store
        Assert.All(_transitions.Reads, since => Assert.True(since >= first!.Watermark, $"read from {since}, before the watermark {first!.Watermark}"));
        var kept = TrainingBuffer.Deserialize((await _policies.LoadTrainingBufferAsync(2))!);
        Assert.Equal(8, kept.Count);
    }

    [Fact]
    public async Task Without_a_readable_buffer_a_retraining_reads_the_whole_window()
    {
        await RecordRunsAsync(3, "old");
        await Retrainer().RunAsync();
        await _policies.SaveTrainingBufferAsync(1, [1, 2, 3]);
        await RecordRunsAsync(1, "new");

        var second = await Retrainer().RunAsync();

        Assert.Equal((RetrainResult.Published, 36), (second.Result, second.Transitions));
    }

    private async Task RecordRunsAsync(int runs, string prefix = "run")
    {
        var all = PolicyTraining.EasyAndHardRuns(runs);
        foreach (var run in all.GroupBy(t => t.RunId))
        {
            var runId = $"{prefix}-{run.Key}";
            await _transitions.AppendAsync(new RunTrainingData(
                runId, DateTimeOffset.UtcNow, [.. run.Select(t => t with { RunId = runId })], new RunExamples(runId, run.First().State.Task, [], [])));
        }
    }

    [Fact]
    public async Task New_transitions_are_trained_on_and_published_and_nothing_new_is_skipped()
    {
        await RecordRunsAsync(3);

        var first = await Retrainer().RunAsync();
        var second = await Retrainer().RunAsync();

        Assert.Equal(new RetrainOutcome(RetrainResult.Published, 1, 27), first);
        Assert.Equal(RetrainResult.NothingNew, second.Result);
        Assert.Equal(1, (await _policies.GetCurrentAsync())!.Version);
    }

    [Fact]
    public async Task Training_uses_the_newest_transitions_of_the_window_up_to_the_cap()
    {
        await RecordRunsAsync(20, "old");
        await RecordRunsAsync(1, "new");

        var outcome = await Retrainer(maxTransitions: 10).RunAsync();
        var current = await _policies.GetCurrentAsync();

        Assert.Equal(RetrainResult.Published, outcome.Result);
        Assert.Equal(10, outcome.Transitions);
        Assert.Equal((await _transitions.ReadSinceAsync(null, int.MaxValue)).Watermark, current!.Watermark);
        Assert.Equal(RetrainResult.NothingNew, (await Retrainer(maxTransitions: 10).RunAsync()).Result);
    }

    [Fact]
    public async Task A_corrupt_snapshot_in_service_is_replaced_by_the_next_version_trained_from_the_newest_readable_one()
    {
        await RecordRunsAsync(2);
        await Retrainer().RunAsync();
        await RecordRunsAsync(1, "second");
        await Retrainer().RunAsync();
        _policies.ReplaceStoredBytes(2, [9, 9, 9]);
        await RecordRunsAsync(1, "more");

        var outcome = await Retrainer().RunAsync();
        var current = await _policies.GetCurrentAsync();

        Assert.Equal((RetrainResult.Published, 3L), (outcome.Result, outcome.Version));
        Assert.Contains("snapshot v2 could not be read", outcome.Error);
        Assert.Contains("truncated", outcome.Error);
        Assert.EndsWith("warm-started from v1.", outcome.Error);
        Assert.Equal(3, current!.Version);
        Assert.Null(current.LastError);
        Assert.Equal(3, (await _policies.LoadAsync(3)).Version);
    }

    [Fact]
    public async Task With_no_readable_snapshot_in_service_retraining_starts_from_fresh_weights()
    {
        await RecordRunsAsync(2);
        await Retrainer().RunAsync();
        _policies.ReplaceStoredBytes(1, [9, 9, 9]);
        await RecordRunsAsync(1, "more");

        var outcome = await Retrainer().RunAsync();

        Assert.Equal((RetrainResult.Published, 2L), (outcome.Result, outcome.Version));
        Assert.EndsWith("trained from fresh weights.", outcome.Error);
        Assert.Equal(2, (await _policies.LoadAsync(2)).Version);
    }

    [Fact]
    public async Task Impossible_transitions_fail_training_visibly()
    {
        await _transitions.AppendAsync(new RunTrainingData(
            "bad", DateTimeOffset.UtcNow, [new PolicyTransition("bad", PolicyTraining.Easy, 1f, 0, true)], new RunExamples("bad", PolicyTraining.Easy.Task, [], [])));

        var outcome = await Retrainer().RunAsync();

        Assert.Equal(RetrainResult.Failed, outcome.Result);
        Assert.Contains("label 0 is below 1", (await _policies.GetCurrentAsync())!.LastError);
    }

    [Fact]
    public async Task A_held_lease_makes_the_other_trainer_stand_aside()
    {
        await RecordRunsAsync(1);
        await using var lease = await _policies.TryAcquireTrainingLeaseAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(RetrainResult.Busy, (await Retrainer().RunAsync()).Result);
    }

    /// <summary>The in-memory store, noting where each read started.</summary>
    private sealed class ReadCountingStore(InMemoryTrainingStore inner) : ITrainingStore
    {
        public List<DateTimeOffset?> Reads { get; } = [];

        public Task AppendAsync(RunTrainingData run, CancellationToken cancellationToken = default) => inner.AppendAsync(run, cancellationToken);

        public Task<TrainingBatch> ReadSinceAsync(DateTimeOffset? watermark, int maxRows, CancellationToken cancellationToken = default)
        {
            Reads.Add(watermark);
            return inner.ReadSinceAsync(watermark, maxRows, cancellationToken);
        }
    }
}
