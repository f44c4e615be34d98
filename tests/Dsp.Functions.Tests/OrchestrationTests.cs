using Dsp.Core.Planning;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Dsp.Core.Simulation;
using Dsp.Core.Traces;
using Dsp.Functions.Planning;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace Dsp.Functions.Tests;

public class OrchestrationTests
{
    private static readonly IReadOnlyList<AgentTrace> Traces = TraceReader.ReadFile(PlanHost.BundledTraces);

    [Fact]
    public async Task Every_recorded_trace_plans_exactly_the_targets_plan()
    {
        await using var host = await PlanHost.StartAsync();

        var plans = await Task.WhenAll(Traces.Select(trace => host.PlanAsync(
            new PlanInput(trace.Task, 0.9f, 1, trace.Steps.Count, "exact", "default", trace.Id))));

        for (var i = 0; i < Traces.Count; i++)
        {
            Assert.Equal(PlanOutcomes.Completed, plans[i].Outcome);
            Assert.Equal(TraceSimulator.TargetPlan(Traces[i]), plans[i].Plan);
            Assert.True(plans[i].Run.Lossless);
        }

        var runs = host.Services.GetRequiredService<IRunStore>();
        Assert.Equal(Traces.Count, (await runs.RecentAsync(100)).Count);
    }

    [Fact]
    public async Task A_call_found_cancelled_though_the_plan_never_cancelled_it_is_made_again()
    {
        // What a worker killed between sending an episode's messages and committing its history leaves behind on the
        // Azure Storage provider: cancellations, written by the lost episode, of calls its replay makes after all.
        await using var host = await PlanHost.StartAsync();
        var trace = Traces[0];
        const string id = "stale-cancellations";
        var stale = (from round in Enumerable.Range(0, 3)
                     from role in new[] { AgentRole.Draft, AgentRole.Target }
                     from position in Enumerable.Range(0, trace.Steps.Count)
                     select new CallAttempt(new CallKey(round, role, position))).ToList();
        await host.Services.GetRequiredService<ICancellationStore>().CancelCallsAsync(id, stale);

        await host.Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(SpeculativePlanOrchestrator),
            new PlanInput(trace.Task, 0.9f, 1, trace.Steps.Count, "exact", "default", trace.Id, PolicyNames.Dsp),
            new StartOrchestrationOptions(id));
        var result = await host.WaitAsync(id);

        Assert.Equal(PlanOutcomes.Completed, result.Outcome);
        Assert.Equal(TraceSimulator.TargetPlan(trace), result.Plan);
        var madeAgain = result.Calls.Where(c => c.Call.Round < 3 && !c.Usage.Cancelled).ToList();
        Assert.NotEmpty(madeAgain);
        Assert.All(madeAgain, c => Assert.True(c.Usage.Retries >= 1, $"{c.Call} was not made again"));
        Assert.Equal(result.Calls.Sum(c => c.Usage.Retries), result.Run.Retries);
    }
}
