using Dsp.Core.Runs;
using Dsp.Core.Simulation;
using Dsp.Core.Traces;
using Dsp.Functions.Planning;
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
}
