using Dsp.Core.Simulation;

namespace Dsp.Core.Tests.Simulation;

/// <summary>The simulator against reality: the bundled traces of real runs.</summary>
public class RecordedTracesTests
{
    private static readonly TraceSimulator Simulator = new(new SimulationOptions());

    private static Metrics.PolicySummary Bench(string policy, TraceSimulator? simulator = null)
    {
        simulator ??= Simulator;
        return PolicyBenchmark.Run(SimulationPolicies.Parse(policy, simulator.JudgeFor), TestTraces.OpenAgi, simulator);
    }

    [Fact]
    public void Replaying_the_recorded_depths_reproduces_the_recorded_end_to_end_time_within_two_percent()
    {
        var recordedSeconds = TestTraces.OpenAgi.Sum(t => t.Recorded!.ElapsedSeconds);

        var simulated = Bench(SimulationPolicies.Recorded).LatencySeconds;

        Assert.InRange(simulated / recordedSeconds, 0.98, 1.02);
    }

    [Theory]
    [InlineData("fixed-2", 0.778, 1.584)]
    [InlineData("fixed-6", 0.683, 2.557)]
    [InlineData("oracle", 0.683, 1.266)]
    public void Drafting_past_terminate_the_ratios_agree_with_an_independent_implementation_of_the_first_contract_within_one_percent(
        string policy, double latencyRatio, double costRatio)
    {
        var summary = Bench(policy, new TraceSimulator(new SimulationOptions { DraftPastTerminate = true }));

        Assert.InRange(summary.LatencyRatio / latencyRatio, 0.99, 1.01);
        Assert.InRange(summary.CostRatio / costRatio, 0.99, 1.01);
    }

    [Theory]
    [InlineData("fixed-2", 0.778, 1.436)]
    [InlineData("fixed-6", 0.683, 1.916)]
    [InlineData("oracle", 0.683, 1.266)]
    public void With_the_chain_stopping_at_a_drafted_terminate_the_ratios_are_the_contracts_reference(
        string policy, double latencyRatio, double costRatio)
    {
        var summary = Bench(policy);

        Assert.Equal(latencyRatio, summary.LatencyRatio, 3);
        Assert.Equal(costRatio, summary.CostRatio, 3);
    }

    [Theory]
    [InlineData("sequential")]
    [InlineData("fixed-1")]
    [InlineData("fixed-2")]
    [InlineData("fixed-6")]
    [InlineData("oracle")]
    [InlineData("recorded")]
    public void Every_policy_yields_the_target_plan_losslessly(string policy)
    {
        Assert.True(Bench(policy).Lossless);
    }

    [Fact]
    public void Sequential_is_the_baseline_itself()
    {
        var summary = Bench(SimulationPolicies.Sequential);

        Assert.Equal(1.0, summary.LatencyRatio, 9);
        Assert.Equal(1.0, summary.CostRatio, 9);
        Assert.Equal(0.0, summary.UnnecessaryCostUsd);
    }

    [Theory]
    [InlineData("fixed-2")]
    [InlineData("fixed-6")]
    public void Drafting_past_a_drafted_terminate_keeps_latency_and_only_adds_cost(string policy)
    {
        var drafting = new TraceSimulator(new SimulationOptions { DraftPastTerminate = true });

        var contract = Bench(policy);
        var past = Bench(policy, drafting);

        Assert.Equal(contract.LatencySeconds, past.LatencySeconds, 6);
        Assert.True(past.CostUsd > contract.CostUsd);
        Assert.True(past.Lossless);
    }
}
