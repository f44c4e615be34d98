using Dsp.Core.Runs;
using Dsp.Core.Traces;
using Dsp.Functions.Http;
using Dsp.Functions.Planning;
using Dsp.Functions.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Dsp.Functions.Tests;

/// <summary>Plans record transitions, the timer retrains, PredictDepth picks the new policy up, GET /api/policy shows it.</summary>
public class PolicyLifecycleTests
{
    private static readonly IReadOnlyList<AgentTrace> Traces = TraceReader.ReadFile(PlanHost.BundledTraces);

    private static PlanInput Input(AgentTrace trace) => new(trace.Task, 0.9f, 0, trace.Steps.Count, "exact", "default", trace.Id);

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
}
