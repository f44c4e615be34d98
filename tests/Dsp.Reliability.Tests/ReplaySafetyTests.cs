using System.Text.Json;
using Dsp.Core.Planning;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Dsp.Functions;
using Dsp.Functions.Planning;
using Dsp.Functions.Policy;
using Dsp.Hosting;
using Dsp.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Dsp.Reliability.Tests;

/// <summary>Durable delivers an activity at least once: each of the plan's activities and the retraining timer, run
/// again with the same input, writes nothing twice, on the in-memory stores and on Table and Blob Storage (Azurite).</summary>
public class ReplaySafetyTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_activity_run_twice_with_the_same_input_duplicates_no_transition_run_or_snapshot(bool azureStorage)
    {
        // Targets slower than drafts, so that drafts are judged (a draft that loses the race to its target is not).
        var slowTargets = new Dictionary<string, TimeSpan> { ["target"] = TimeSpan.FromSeconds(1) };
        await using var server = await FaultyOpenAIServer.StartAsync(new FaultOptions { FailureShare = 0, FirstChunkDelay = slowTargets }, Harness.Answer);
        await using var azurite = azureStorage ? await PrivateAzurite.StartAsync() : null;
        var configuration = Harness.Configuration(server.Endpoint, more: azurite is null ? null : Harness.StorageSettings(azurite.ConnectionString()));
        await using var planner = await InProcessPlanner.StartAsync(
            configuration, services => _ = azurite is null ? services.AddInMemoryStores() : services.AddDspStorage(configuration));
        var input = new PlanInput(Harness.Task(3), 0.5f, 1, 20, "exact", "default");
        var id = await planner.StartPlanAsync(input);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = await planner.WaitAsync(id, timeout.Token);
        Assert.Equal(Harness.TargetPlan(3), result.Plan);

        var activities = planner.Services.GetRequiredService<PlanActivities>();
        var transitions = planner.Services.GetRequiredService<ITrainingStore>();
        var runs = planner.Services.GetRequiredService<IRunStore>();
        var cancellations = planner.Services.GetRequiredService<ICancellationStore>();
        async Task<List<string>> StoredAsync() => [.. (await transitions.ReadSinceAsync(null, int.MaxValue)).Runs.SelectMany(r => r.Transitions).Select(Harness.Json)];
        async Task<List<string>> RunsAsync() => [.. (await runs.RecentAsync(100)).Select(r => JsonSerializer.Serialize(r))];
        var (_, expected, _) = Harness.Expected(id, input, result);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(Harness.Json), await StoredAsync());

        // RecordRun delivered again (twice) after the orchestrator's own delivery, with its input (the judged drafts as
        // it recorded them): nothing changes.
        var record = Harness.Record(id, input, result);
        Assert.NotEmpty(record.Last.JudgedDrafts);
        await activities.RecordRun(record, CancellationToken.None);
        await activities.RecordRun(record, CancellationToken.None);
        Assert.Equal(expected.Select(Harness.Json), await StoredAsync());
        Assert.Equal([JsonSerializer.Serialize(result.Run)], await RunsAsync());

        // A fresh run's RecordRun delivered twice in a row: its run and transitions once.
        var other = Harness.Record("replayed-run", input, result);
        await activities.RecordRun(other, CancellationToken.None);
        await activities.RecordRun(other, CancellationToken.None);
        var stored = await StoredAsync();
        Assert.Equal(2 * expected.Count, stored.Count);
        Assert.Equal(expected.Count, stored.Count(t => t.Contains("\"replayed-run\"", StringComparison.Ordinal)));
        Assert.Equal(2, (await RunsAsync()).Count);
        var storedRuns = await RunsAsync();

        // Draft (with its decision) and Target twice: the same step and decision, no write.
        foreach (var (role, step) in new[] { (AgentRole.Draft, Harness.Answer(Request("drafter", 3, 0))), (AgentRole.Target, Harness.TargetPlan(3)[0]) })
        {
            var speculation = role == AgentRole.Draft
                ? new DraftPolicyInput(PolicyNames.Adaptive, 0.02, 0.5f, 0, 0, 0, 0, 0, 0, ChainMemo.Start)
                : null;
            var call = new CallInput("replayed-calls", new CallKey(0, role, 0), new PlanContextRef(null, input.Task, []), "default", null, speculation);
            var first = role == AgentRole.Draft ? await activities.Draft(call, CancellationToken.None) : await activities.Target(call, CancellationToken.None);
            var second = role == AgentRole.Draft ? await activities.Draft(call, CancellationToken.None) : await activities.Target(call, CancellationToken.None);
            Assert.Equal(step, first.Step);
            Assert.Equal(first.Step, second.Step);
            Assert.Equal(first.Decision, second.Decision);
            Assert.Equal((first.Usage.PromptTokens, first.Usage.CompletionTokens, first.CostUsd), (second.Usage.PromptTokens, second.Usage.CompletionTokens, second.CostUsd));
        }

        // CancelBranches twice: the branch stays cancelled, nothing else is, and a call of it delivered after makes
        // no request.
        var cancelled = new CallKey(1, AgentRole.Target, 1);
        var cancel = new CancelInput("replayed-calls", [cancelled]);
        await activities.CancelBranches(cancel, CancellationToken.None);
        await activities.CancelBranches(cancel, CancellationToken.None);
        Assert.True(await cancellations.IsCancelledAsync("replayed-calls", cancelled));
        Assert.False(await cancellations.IsCancelledAsync("replayed-calls", cancelled with { Position = 2 }));
        var requests = server.Requests;
        var outcome = await activities.Target(new CallInput("replayed-calls", cancelled, new PlanContextRef(null, input.Task, [result.Plan[0]]), "default", null), CancellationToken.None);
        Assert.True(outcome.Usage.Cancelled);
        Assert.Null(outcome.Step);
        Assert.Equal(requests, server.Requests);

        Assert.Equal(stored, await StoredAsync());
        Assert.Equal(storedRuns, await RunsAsync());

        // The retraining timer fired twice (a redelivered tick): one snapshot version, trained once.
        var retrain = ActivatorUtilities.CreateInstance<RetrainPolicyFunction>(planner.Services);
        Assert.Equal(RetrainResult.Published, (await retrain.RetrainPolicy(new TimerInfo(), CancellationToken.None)).Result);
        Assert.Equal(RetrainResult.NothingNew, (await retrain.RetrainPolicy(new TimerInfo(), CancellationToken.None)).Result);
        var policies = planner.Services.GetRequiredService<IPolicyStore>();
        Assert.Equal(1, (await policies.GetCurrentAsync())!.Version);
        await Assert.ThrowsAsync<PolicySnapshotFormatException>(() => policies.LoadAsync(2));
    }

    private static FaultRequest Request(string deployment, int plan, int position) => new(deployment, new System.Text.Json.Nodes.JsonObject
    {
        ["messages"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
        {
            ["role"] = "user",
            ["content"] = $"{Harness.Task(plan)}\nWhat is step {position + 1}?",
        }),
    });
}
