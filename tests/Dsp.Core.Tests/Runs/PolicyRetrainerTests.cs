using Dsp.Core.Acceptance;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Dsp.Core.Runs.InMemory;
using Dsp.Core.Tests.Policy;

namespace Dsp.Core.Tests.Runs;

public class PolicyRetrainerTests
{
    private readonly InMemoryTrainingStore _transitions = new(TimeProvider.System);
    private readonly InMemoryPolicyStore _policies = new();

    private PolicyRetrainer Retrainer(int maxTransitions = 100_000) => new(
        _transitions, _policies, PolicyTraining.Trainer(), new AcceptanceTrainer(), TimeProvider.System, new RetrainOptions { MaxTransitions = maxTransitions });

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
}
