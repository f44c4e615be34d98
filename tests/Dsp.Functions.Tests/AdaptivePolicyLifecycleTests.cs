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

namespace Dsp.Functions.Tests;

/// <summary>
/// The adaptive policy's life in the app: plans decide with the shipped prior, record their judged drafts, the timer
/// trains an acceptance model on them and publishes it, new plans decide with it, GET /api/policy says which.
/// </summary>
public class AdaptivePolicyLifecycleTests
{
    private static readonly IReadOnlyList<AgentTrace> Traces = TraceReader.ReadFile(PlanHost.BundledTraces);

    // The replay plays 500 times faster than recorded: a second is worth 500 times more than at recorded speed.
    private static PlanInput Input(AgentTrace trace) =>
        new(trace.Task, 0.5f, 0, trace.Steps.Count, "exact", "default", trace.Id, PolicyNames.Adaptive, ValueOfTime: 500 * 0.02);

    private static async Task<PolicyStatus> GetPolicy(PlanHost host) => Assert.IsType<PolicyStatus>(Assert.IsType<OkObjectResult>(
        await ActivatorUtilities.CreateInstance<PolicyApi>(host.Services).GetPolicy(new DefaultHttpContext().Request, default)).Value);

    private static Task<RetrainOutcome> Retrain(PlanHost host) =>
        ActivatorUtilities.CreateInstance<RetrainPolicyFunction>(host.Services).RetrainPolicy(new TimerInfo(), default);

    [Fact]
    public async Task Plans_decide_with_the_prior_until_a_retraining_publishes_an_acceptance_model_and_then_with_it()
    {
        await using var host = await PlanHost.StartAsync();
        var onPrior = await Task.WhenAll(Traces.Take(6).Select(t => host.PlanAsync(Input(t))));
        var beforeTraining = await GetPolicy(host);

        var trained = await Retrain(host);
        var onTrained = await host.PlanAsync(Input(Traces[6]));
        var afterTraining = await GetPolicy(host);
        await Retrain(host);
        var afterSecond = await GetPolicy(host);

        Assert.All(onPrior, p => Assert.Equal(0, p.Run.PolicyVersion));
        Assert.All(onPrior, p => Assert.Equal(PolicyNames.Adaptive, p.Run.Policy));
        Assert.Equal("prior", beforeTraining.Acceptance.Source);
        Assert.Equal("prior.dspa", beforeTraining.Acceptance.Prior);
        Assert.Equal(231, beforeTraining.Acceptance.TrainedOnExamples);

        var judged = onPrior.Sum(p => p.Calls.Count(c => c.Call.Role == Core.Planning.AgentRole.Draft && c.GoOn is not null));
        Assert.Equal(RetrainResult.Published, trained.Result);
        Assert.InRange(trained.Examples, 1, judged);
        Assert.Equal(1, onTrained.Run.PolicyVersion);
        Assert.Equal(("trained", 1L, trained.Examples), (afterTraining.Acceptance.Source, afterTraining.Acceptance.Version, afterTraining.Acceptance.TrainedOnExamples));
        Assert.NotNull(afterTraining.Acceptance.Fit);

        // The second training scores the first model on the drafts judged since it was trained.
        Assert.Equal(2, afterSecond.Acceptance.Version);
        Assert.NotNull(afterSecond.Acceptance.HeldOut);
        Assert.True(afterSecond.Acceptance.HeldOut!.Predictions > 0);
    }

    [Fact]
    public async Task Every_finished_draft_carries_its_predicted_acceptance_and_the_decision_to_go_on()
    {
        await using var host = await PlanHost.StartAsync();
        var result = await host.PlanAsync(Input(Traces[0]));

        var drafts = result.Calls.Where(c => c.Call.Role == Core.Planning.AgentRole.Draft && c.Step is not null).ToList();
        Assert.NotEmpty(drafts);
        Assert.All(drafts, d => Assert.InRange(d.Acceptance!.Value, 0, 1));
        Assert.All(drafts, d => Assert.NotNull(d.GoOn));
        Assert.Equal(result.Plan, TraceSimulatorPlan(Traces[0]));
    }

    [Fact]
    public async Task An_unreadable_prior_is_logged_and_the_adaptive_policy_starts_cold()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllBytesAsync(path, [1, 2, 3]);
        var logs = new LogCapture();
        try
        {
            await using var host = await PlanHost.StartAsync(logs: logs, prior: path);
            var result = await host.PlanAsync(Input(Traces[0]));
            var policy = await GetPolicy(host);

            Assert.Null(result.Run.PolicyVersion);
            Assert.Equal(PlanOutcomes.Completed, result.Outcome);
            Assert.Equal("none", policy.Acceptance.Source);
            Assert.Contains("could not be read", policy.Acceptance.Prior, StringComparison.Ordinal);
            Assert.Contains(logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("starts cold", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static IReadOnlyList<string> TraceSimulatorPlan(AgentTrace trace) => Core.Simulation.TraceSimulator.TargetPlan(trace);
}
