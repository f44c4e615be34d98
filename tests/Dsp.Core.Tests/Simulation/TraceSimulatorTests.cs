using Dsp.Core.Costs;
using Dsp.Core.Planning;
using Dsp.Core.Simulation;

namespace Dsp.Core.Tests.Simulation;

public class TraceSimulatorTests
{
    private static readonly TraceSimulator Simulator = new(new SimulationOptions { RecordCalls = true });

    [Fact]
    public void Sequential_replay_takes_the_sum_of_target_latencies_and_costs()
    {
        var trace = TestTraces.Make(("A", 1, "A", 5), ("B", 1, "TERMINATE", 4));

        var plan = Simulator.Run(trace, new FixedDepthPolicy(0));

        Assert.Equal(9, plan.Metrics.LatencySeconds, 9);
        Assert.Equal(plan.Metrics.SequentialCostUsd, plan.Metrics.CostUsd, 12);
        Assert.Equal(0, plan.Metrics.DeltaTime, 9);
        Assert.Equal(["A", "TERMINATE"], plan.Plan);
        Assert.True(plan.Metrics.Lossless);
        Assert.All(plan.Calls!, c => Assert.Equal(AgentRole.Target, c.Role));
    }

    [Fact]
    public void Accepted_drafts_overlap_the_targets()
    {
        // Draft 0 ends at 1 s and starts target 1; target 0 ends at 5 s, target 1 at 1 + 4 = 5 s.
        var trace = TestTraces.Make(("A", 1, "A", 5), ("TERMINATE", 1, "TERMINATE", 4));

        var plan = Simulator.Run(trace, new FixedDepthPolicy(2));

        Assert.Equal(5, plan.Metrics.LatencySeconds, 9);
        Assert.Equal(1, plan.Metrics.Rounds);
        Assert.Equal(2, plan.Metrics.AcceptedDrafts);
        Assert.Equal(3, plan.Metrics.PeakConcurrentCalls); // target 0, draft 1, target 1
        Assert.Equal(0, plan.Metrics.UnnecessaryCostUsd);
    }

    [Fact]
    public void A_cancelled_streamed_call_pays_its_prompt_and_the_completion_produced_before_cancellation()
    {
        // Draft 0 (1 s) is wrong; target 0 ends at 5 s and cancels target 1, which ran 4 of its 8 s.
        var trace = TestTraces.Make(("A", 1, "X", 5), ("B", 1, "TERMINATE", 8));

        var plan = Simulator.Run(trace, new FixedDepthPolicy(2));

        var cancelled = Assert.Single(plan.Calls!, c => c.Usage.Cancelled);
        Assert.Equal((AgentRole.Target, 1), (cancelled.Role, cancelled.Position));
        Assert.Equal(new CallUsage(100, 5, 4, Cancelled: true), cancelled.Usage);
        Assert.Equal(((100 * 10) + (5 * 30)) / 1e6, cancelled.CostUsd, 12);
    }

    [Fact]
    public void Full_completion_billing_charges_a_cancelled_call_its_whole_answer()
    {
        var trace = TestTraces.Make(("A", 1, "X", 5), ("B", 1, "TERMINATE", 8));
        var simulator = new TraceSimulator(new SimulationOptions { RecordCalls = true, CancelledCallBilling = CancelledCallBilling.FullCompletion });

        var plan = simulator.Run(trace, new FixedDepthPolicy(2));

        Assert.Equal(10, Assert.Single(plan.Calls!, c => c.Usage.Cancelled).Usage.CompletionTokens);
    }

    [Fact]
    public void Unnecessary_cost_is_the_rejected_draft_and_every_call_beyond_the_mismatch()
    {
        var trace = TestTraces.Make(("A", 1, "X", 5), ("B", 1, "B", 8), ("TERMINATE", 1, "TERMINATE", 1));

        var plan = Simulator.Run(trace, new FixedDepthPolicy(3));

        var firstRound = plan.Calls!.Where(c => c.Round == 0).ToList();
        var wasted = firstRound.Where(c => c.Position > 0 || c.Role == AgentRole.Draft).Sum(c => c.CostUsd);
        Assert.Equal(wasted, plan.Metrics.UnnecessaryCostUsd, 12);
        Assert.Equal(plan.Calls!.Sum(c => c.CostUsd), plan.Metrics.CostUsd, 12);
        Assert.True(plan.Metrics.UnnecessaryCostUsd > 0);
    }

    [Fact]
    public void A_call_cancelled_the_moment_it_would_start_is_never_started()
    {
        // Draft 0 and target 0 both end at 2 s and disagree: position 1, which draft 0 would start at 2 s, is
        // cancelled at 2 s by target 0 and costs nothing.
        var trace = TestTraces.Make(("A", 2, "X", 2), ("B", 1, "TERMINATE", 1));

        var plan = Simulator.Run(trace, new FixedDepthPolicy(2));

        Assert.DoesNotContain(plan.Calls!, c => c.Round == 0 && c.Position == 1);
    }

    [Fact]
    public void A_draft_finishing_exactly_with_its_target_is_accepted()
    {
        var trace = TestTraces.Make(("TERMINATE", 3, "TERMINATE", 3));

        var plan = Simulator.Run(trace, new FixedDepthPolicy(1));

        Assert.Equal(1, plan.Metrics.AcceptedDrafts);
    }

    [Fact]
    public void A_failed_recorded_draft_never_matches_and_the_plan_stays_the_target_plan()
    {
        var trace = TestTraces.Make(("A", 1, "A", 5), ("TERMINATE", 1, "TERMINATE", 5));
        var steps = trace.Steps.ToList();
        steps[0] = steps[0] with { Draft = new Core.Traces.TraceCall(string.Empty, 100, 0, 0, Failed: true) };

        var plan = Simulator.Run(trace with { Steps = steps }, new FixedDepthPolicy(2));

        Assert.Equal(["A", "TERMINATE"], plan.Plan);
        Assert.Equal(0, plan.Rounds[0].AcceptedDrafts);
    }

    [Fact]
    public void Oracle_speculates_exactly_through_the_first_mismatch()
    {
        var trace = TestTraces.Make(("A", 1, "A", 5), ("B", 1, "B", 5), ("C", 1, "X", 5), ("TERMINATE", 1, "TERMINATE", 5));
        var oracle = new OraclePolicy(Simulator.JudgeFor);

        var plan = Simulator.Run(trace, oracle.ForTrace(trace));

        // Two drafts accepted then a mismatch: three drafts; then TERMINATE, the trace's last step: one.
        Assert.Equal([3, 1], plan.Rounds.Select(r => r.Depth));
        Assert.Equal(0, plan.Metrics.UnnecessaryCostUsd - (100 * 10 + 10 * 30) / 1e6, 12); // only draft 2 was wasted
    }

    [Fact]
    public void Recorded_policy_replays_max_of_depth_and_one()
    {
        var trace = TestTraces.Make(("A", 1, "X", 5), ("B", 1, "B", 5), ("C", 1, "C", 5), ("TERMINATE", 1, "TERMINATE", 5)) with
        {
            Recorded = new Core.Traces.RecordedRun(10, [0, 3]),
        };

        var plan = Simulator.Run(trace, new RecordedPolicy().ForTrace(trace));

        Assert.Equal([1, 3], plan.Rounds.Select(r => r.Depth));
    }

    [Fact]
    public void Recorded_policy_reports_a_trace_with_too_few_recorded_rounds()
    {
        var trace = TestTraces.Make(("A", 1, "X", 5), ("TERMINATE", 1, "TERMINATE", 5)) with
        {
            Recorded = new Core.Traces.RecordedRun(10, [1]),
        };

        var error = Assert.Throws<InvalidOperationException>(() => Simulator.Run(trace, new RecordedPolicy().ForTrace(trace)));
        Assert.Contains("recorded 1 rounds", error.Message);
    }
}
