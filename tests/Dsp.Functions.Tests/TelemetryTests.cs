using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dsp.Core.Agents;
using Dsp.Core.Planning;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Dsp.Core.Traces;
using Dsp.Functions.Planning;
using Microsoft.Extensions.DependencyInjection;

namespace Dsp.Functions.Tests;

public class TelemetryTests
{
    private static readonly IReadOnlyList<AgentTrace> Traces = TraceReader.ReadFile(PlanHost.BundledTraces);

    private static PlanInput Deep(AgentTrace trace) => new(trace.Task, 0.9f, 3, trace.Steps.Count, "exact", "default", trace.Id, PolicyNames.Dsp);

    [Fact]
    public async Task A_plan_emits_one_plan_span_with_its_metrics_and_a_span_per_model_call()
    {
        using var spans = new SpanRecorder();
        // On virtual time, so that a mismatch finds the later calls still running however loaded the machine is: with
        // real (scaled) latencies they may all finish before the orchestrator gets to cancel them.
        await using var agents = new VirtualTimeReplayProfiles(new TraceCatalog(Traces));
        await using var host = await PlanHost.StartAsync(agents: agents);
        agents.Client = host.Client;
        using var metrics = new MetricRecorder(host.Services.GetRequiredService<IMeterFactory>());
        var profile = host.Services.GetRequiredService<IAgentProfiles>().Find("default")!;

        // Speculating deep, so that mismatches cancel calls.
        var results = await Task.WhenAll(Traces.Take(6).Select(trace => host.PlanAsync(Deep(trace))));

        foreach (var result in results)
        {
            var run = result.Run;
            Assert.Equal(result.Calls.Count, run.Calls);
            Assert.Equal(result.Calls.Count(c => c.Usage.Cancelled), run.CancelledCalls);
            Assert.Equal(0, run.Retries);

            var plan = Assert.Single(spans.OfRun(run.RunId, "dsp.plan"));
            Assert.Equal(ActivityKind.Internal, plan.Kind);
            Assert.Equal("activity:RecordRun", spans.ParentName(plan));
            Assert.Equal(run.CompletedAt.UtcDateTime, plan.StartTimeUtc + plan.Duration);
            // Within a microsecond: span times are whole 100 ns ticks (rounding to 6 places could split a tie).
            Assert.Equal(run.LatencySeconds, plan.Duration.TotalSeconds, tolerance: 1e-6);
            Assert.Equal(ActivityStatusCode.Unset, plan.Status);
            Assert.Equal(
                new Dictionary<string, object?>
                {
                    ["dsp.run_id"] = run.RunId,
                    ["dsp.profile"] = "default",
                    ["dsp.outcome"] = PlanOutcomes.Completed,
                    ["dsp.plan.latency"] = run.LatencySeconds,
                    ["dsp.plan.cost"] = run.CostUsd,
                    ["dsp.plan.unnecessary_cost"] = run.UnnecessaryCostUsd,
                    ["dsp.plan.depth"] = run.MeanDepth,
                    ["dsp.plan.rounds"] = run.Rounds,
                    ["dsp.plan.steps"] = result.Plan.Count,
                    ["dsp.plan.calls"] = result.Calls.Count,
                    ["dsp.plan.cancellations"] = run.CancelledCalls,
                    ["dsp.plan.retries"] = 0,
                    ["dsp.plan.lossless"] = true,
                },
                plan.TagObjects.ToDictionary());

            var calls = spans.OfRun(run.RunId, "dsp.call");
            Assert.Equal(result.Calls.Count, calls.Count);
            Assert.Equal(run.CancelledCalls, calls.Count(c => c.GetTagItem("dsp.cancelled") is true));
            Assert.Equal(run.CostUsd, calls.Sum(c => (double)c.GetTagItem("dsp.call.cost")!), tolerance: 1e-9);
            foreach (var call in result.Calls)
            {
                var span = Assert.Single(calls, s => KeyOf(s) == call.Call);
                var outcome = call.Usage.Cancelled ? "cancelled" : call.Step is null ? "failed" : "completed";
                Assert.Equal(ActivityKind.Client, span.Kind);
                Assert.Equal(call.Call.Role == AgentRole.Draft ? "activity:Draft" : "activity:Target", spans.ParentName(span));
                Assert.Equal(outcome == "failed" ? ActivityStatusCode.Error : ActivityStatusCode.Unset, span.Status);
                Assert.Equal(
                    new Dictionary<string, object?>
                    {
                        ["dsp.run_id"] = run.RunId,
                        ["dsp.profile"] = "default",
                        ["dsp.role"] = call.Call.Role == AgentRole.Draft ? "draft" : "target",
                        ["dsp.round"] = call.Call.Round,
                        ["dsp.position"] = call.Call.Position,
                        ["dsp.model"] = call.Call.Role == AgentRole.Draft ? profile.Draft.Model : profile.Target.Model,
                        ["dsp.call.outcome"] = outcome,
                        ["dsp.cancelled"] = call.Usage.Cancelled,
                        ["dsp.call.prompt_tokens"] = call.Usage.PromptTokens,
                        ["dsp.call.completion_tokens"] = call.Usage.CompletionTokens,
                        ["dsp.call.cost"] = call.CostUsd,
                        ["dsp.call.retries"] = 0,
                    },
                    span.TagObjects.ToDictionary());
            }
        }

        Assert.Contains(results, r => r.Run.CancelledCalls > 0);
        // One measurement per plan, tagged with its outcome.
        Assert.Equal(results.Select(r => r.Run.LatencySeconds).Order(), metrics.Values("dsp.plan.latency").Order());
        Assert.Equal(results.Select(r => (double)r.Run.CancelledCalls).Order(), metrics.Values("dsp.plan.cancellations").Order());
        Assert.Equal(results.Select(_ => 0.0), metrics.Values("dsp.plan.retries"));
        Assert.All(metrics.Tags("dsp.plan.cancellations"), tags => Assert.Equal(PlanOutcomes.Completed, tags["dsp.outcome"]));
    }

    [Fact]
    public async Task A_redelivered_RecordRun_emits_no_second_plan_span_and_counts_the_run_once()
    {
        using var spans = new SpanRecorder();
        await using var host = await PlanHost.StartAsync();
        using var metrics = new MetricRecorder(host.Services.GetRequiredService<IMeterFactory>());
        var result = await host.PlanAsync(Deep(Traces[0]));

        var activities = host.Services.GetRequiredService<PlanActivities>();
        var record = new RecordInput(result.Run, result.Run.Task, [], new PlanSegment([], [], [], [], []));
        await activities.RecordRun(record, CancellationToken.None);
        await activities.RecordRun(record, CancellationToken.None);

        Assert.Single(spans.OfRun(result.Run.RunId, "dsp.plan"));
        Assert.Equal([1.0], metrics.Values("dsp.plans"));
        Assert.Single(metrics.Values("dsp.plan.retries"));
    }

    private static CallKey KeyOf(Activity span) => new(
        (int)span.GetTagItem("dsp.round")!,
        span.GetTagItem("dsp.role") is "draft" ? AgentRole.Draft : AgentRole.Target,
        (int)span.GetTagItem("dsp.position")!);
}
