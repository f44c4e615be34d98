using Dsp.Core.Acceptance;
using Dsp.Core.Agents;
using Dsp.Core.Costs;
using Dsp.Core.Planning;
using Dsp.Core.Policy;
using Dsp.Core.Simulation;
using Dsp.Core.Traces;
using Dsp.Functions.Planning;

namespace Dsp.Functions.Tests;

/// <summary>
/// The orchestrator on the durable host against the simulator: replay agents on a virtual clock (see
/// <see cref="VirtualClock"/>), and the same decisions in the simulator — the depths the dsp policy chose replayed, or
/// the adaptive policy itself deciding again from the same model and knob.
/// </summary>
public class SimulatorParityTests
{
    private static readonly IReadOnlyList<AgentTrace> Traces = TraceReader.ReadFile(PlanHost.BundledTraces);

    [Fact]
    public async Task Calls_started_and_cancelled_and_tokens_billed_match_the_simulator_for_the_same_depths()
    {
        var plans = await PlanAllAsync(trace => new PlanInput(trace.Task, 0.9f, 2, trace.Steps.Count, "exact", "default", trace.Id, PolicyNames.Dsp));

        for (var i = 0; i < Traces.Count; i++)
        {
            AssertSameCalls(Traces[i], plans[i], new DepthChainPolicy(new DepthSequence(plans[i].Depths)));
        }
    }

    [Fact]
    public async Task Continuing_as_new_after_every_round_and_storing_the_context_every_round_changes_no_call()
    {
        var plans = await PlanAllAsync(trace => new PlanInput(
            trace.Task, 0.9f, 2, trace.Steps.Count, "exact", "default", trace.Id, PolicyNames.Dsp, Limits: ContinuedPlanChecks.EveryRound));

        for (var i = 0; i < Traces.Count; i++)
        {
            AssertSameCalls(Traces[i], plans[i], new DepthChainPolicy(new DepthSequence(plans[i].Depths)));
            Assert.Equal(plans[i].Depths.Count, plans[i].Run.Rounds);
        }
    }

    [Theory]
    [InlineData(0.003, false)]
    [InlineData(0.05, false)]
    [InlineData(0.05, true)]
    public async Task The_adaptive_policy_decides_after_every_draft_as_it_does_in_the_simulator(double valueOfTime, bool continueEveryRound)
    {
        var plans = await PlanAllAsync(trace => new PlanInput(
            trace.Task, 0.5f, 0, trace.Steps.Count, "exact", "default", trace.Id, PolicyNames.Adaptive, valueOfTime, continueEveryRound ? ContinuedPlanChecks.EveryRound : null));
        var prior = AcceptanceModelSerializer.Deserialize(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "policy", "prior.dspa")));
        var price = PriceTable.BuiltIn["gpt-4-turbo"];

        for (var i = 0; i < Traces.Count; i++)
        {
            var policy = new AdaptivePolicy(prior, new AdaptiveSettings { ValueOfTime = valueOfTime, DraftPrice = price, TargetPrice = price });
            var simulated = AssertSameCalls(Traces[i], plans[i], policy);

            // The same drafts chained on, and the same predictions behind them.
            Assert.Equal(simulated.Rounds.Select(r => r.Depth), plans[i].Depths);
            var predicted = simulated.Predictions.ToDictionary(p => (p.Round, p.Position), p => p.Acceptance);
            foreach (var draft in plans[i].Calls.Where(c => c.Acceptance is not null))
            {
                Assert.Equal(predicted[(draft.Call.Round, draft.Call.Position)], draft.Acceptance!.Value, 12);
            }
        }

        Assert.Contains(plans, p => p.Depths.Contains(0) || p.Depths.Any(d => d > 1)); // the decisions vary
    }

    private static async Task<PlanResult[]> PlanAllAsync(Func<AgentTrace, PlanInput> input)
    {
        await using var agents = new VirtualTimeReplayProfiles(new TraceCatalog(Traces));
        await using var host = await PlanHost.StartAsync(agents: agents);
        agents.Client = host.Client;
        return await Task.WhenAll(Traces.Select(trace => host.PlanAsync(input(trace))));
    }

    /// <summary>The orchestrated plan started, cancelled and billed the calls the simulator does under <paramref name="policy"/>.</summary>
    private static SimulatedPlan AssertSameCalls(AgentTrace trace, PlanResult plan, ISpeculationPolicy policy)
    {
        var simulated = new TraceSimulator(new SimulationOptions { RecordCalls = true }).Run(trace, policy);

        // A failed call bills nothing live (the agent reports no usage); the simulator bills its prompt.
        var expected = simulated.Calls!
            .Where(c => !(c.Role == AgentRole.Draft ? trace.Steps[c.Position].Draft : trace.Steps[c.Position].Target).Failed)
            .ToDictionary(c => (c.Round, c.Role, c.Position), c => c.Usage);
        var orchestrated = plan.Calls
            .Where(c => c.Usage.PromptTokens > 0) // cancelled before the agent was called: never started
            .ToDictionary(c => (c.Call.Round, c.Call.Role, c.Call.Position), c => c.Usage);

        Assert.Equal(simulated.Plan, plan.Plan);
        Assert.Equal(expected.Keys.Order(), orchestrated.Keys.Order());
        foreach (var (call, usage) in expected)
        {
            var actual = orchestrated[call];
            Assert.True(usage.Cancelled == actual.Cancelled, $"{trace.Id} {call}: cancelled {actual.Cancelled}, simulator {usage.Cancelled}");
            Assert.True(usage.PromptTokens == actual.PromptTokens, $"{trace.Id} {call}: prompt {actual.PromptTokens}, simulator {usage.PromptTokens}");
            Assert.True(
                Math.Abs(actual.CompletionTokens - usage.CompletionTokens) <= 1, // whole tokens of a share
                $"{trace.Id} {call}: completion {actual.CompletionTokens} in {actual.LatencySeconds} s, simulator {usage.CompletionTokens} in {usage.LatencySeconds} s");
        }

        return simulated;
    }

    private sealed class DepthSequence(IReadOnlyList<int> depths) : IDepthPolicy
    {
        public int ChooseDepth(in DepthRequest request) => depths[request.Round];
    }
}
