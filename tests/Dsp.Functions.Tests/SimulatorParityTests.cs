using Dsp.Core.Agents;
using Dsp.Core.Simulation;
using Dsp.Core.Traces;
using Dsp.Functions.Planning;

namespace Dsp.Functions.Tests;

/// <summary>
/// The orchestrator on the durable host against the simulator: replay agents on a virtual clock (see
/// <see cref="VirtualClock"/>) and the depths the orchestrator chose, replayed by the simulator.
/// </summary>
public class SimulatorParityTests
{
    private static readonly IReadOnlyList<AgentTrace> Traces = TraceReader.ReadFile(PlanHost.BundledTraces);

    [Fact]
    public async Task Calls_started_and_cancelled_and_tokens_billed_match_the_simulator_for_the_same_depths()
    {
        await using var agents = new VirtualTimeReplayProfiles(new TraceCatalog(Traces));
        await using var host = await PlanHost.StartAsync(agents: agents);
        agents.Client = host.Client;
        var plans = await Task.WhenAll(Traces.Select(trace => host.PlanAsync(
            new PlanInput(trace.Task, 0.9f, 2, trace.Steps.Count, "exact", "default", trace.Id))));

        var simulator = new TraceSimulator(new SimulationOptions { RecordCalls = true });
        for (var i = 0; i < Traces.Count; i++)
        {
            var trace = Traces[i];
            var simulated = simulator.Run(trace, new DepthSequence(plans[i].Depths));

            // A failed call bills nothing live (the agent reports no usage); the simulator bills its prompt.
            var expected = simulated.Calls!
                .Where(c => !(c.Role == Core.Planning.AgentRole.Draft ? trace.Steps[c.Position].Draft : trace.Steps[c.Position].Target).Failed)
                .ToDictionary(c => (c.Round, c.Role, c.Position), c => c.Usage);
            var orchestrated = plans[i].Calls
                .Where(c => c.Usage.PromptTokens > 0) // cancelled before the agent was called: never started
                .ToDictionary(c => (c.Call.Round, c.Call.Role, c.Call.Position), c => c.Usage);

            Assert.Equal(simulated.Plan, plans[i].Plan);
            Assert.Equal(expected.Keys.Order(), orchestrated.Keys.Order());
            foreach (var (call, usage) in expected)
            {
                var actual = orchestrated[call];
                Assert.True(usage.Cancelled == actual.Cancelled, $"{trace.Id} {call}: cancelled {actual.Cancelled}, simulator {usage.Cancelled}");
                Assert.Equal(usage.PromptTokens, actual.PromptTokens);
                Assert.InRange(actual.CompletionTokens, usage.CompletionTokens - 1, usage.CompletionTokens + 1); // whole tokens of a share
            }
        }
    }

    private sealed class DepthSequence(IReadOnlyList<int> depths) : IDepthPolicy
    {
        public int ChooseDepth(in DepthRequest request) => depths[request.Round];
    }
}
