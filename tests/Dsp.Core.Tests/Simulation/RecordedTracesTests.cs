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
    public void Latency_and_cost_ratios_agree_with_an_independent_implementation_within_one_percent(
        string policy, double latencyRatio, double costRatio)
    {
        var summary = Bench(policy);

        Assert.InRange(summary.LatencyRatio / latencyRatio, 0.99, 1.01);
        Assert.InRange(summary.CostRatio / costRatio, 0.99, 1.01);
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
    public void Stopping_drafts_at_a_drafted_terminate_keeps_latency_and_saves_cost(string policy)
    {
        var stopping = new TraceSimulator(new SimulationOptions { StopDraftingAtTerminate = true });

        var contract = Bench(policy);
        var stopped = Bench(policy, stopping);

        Assert.Equal(contract.LatencySeconds, stopped.LatencySeconds, 6);
        Assert.True(stopped.CostUsd < contract.CostUsd);
        Assert.True(stopped.Lossless);
    }
}
