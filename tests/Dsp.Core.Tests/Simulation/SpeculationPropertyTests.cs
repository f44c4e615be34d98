using CsCheck;
using Dsp.Core.Policy;
using Dsp.Core.Simulation;
using Dsp.Core.Traces;

namespace Dsp.Core.Tests.Simulation;

/// <summary>Properties over generated traces and policies.</summary>
public class SpeculationPropertyTests
{
    private static readonly string[] Tools = ["Search", "Summarize", "Translate", "Caption"];

    // A step: the target's tool, whether the draft agrees, and both calls' tokens and latencies.
    private static readonly Gen<(TraceStep Step, bool DraftFaster)> GenStep =
        Gen.Select(Gen.Int[0, Tools.Length - 1], Gen.Int[0, 2], Gen.Int[1, 2000], Gen.Int[0, 400], Gen.Double[0.05, 6], Gen.Double[0.05, 12], Gen.Int[0, 30])
            .Select((tool, draftChoice, prompt, completion, draftSeconds, targetSeconds, failure) =>
            {
                var target = Tools[tool];
                var draft = draftChoice == 0 ? Tools[(tool + 1) % Tools.Length] : target; // agrees two times in three
                var draftCall = failure == 0
                    ? new TraceCall(string.Empty, prompt / 3, 0, 0, Failed: true)
                    : new TraceCall(draft, prompt / 3, completion / 4, draftSeconds);
                return (new TraceStep(draftCall, new TraceCall(target, prompt, completion, targetSeconds)), draftSeconds <= targetSeconds);
            });

    private static readonly Gen<(AgentTrace Trace, bool DraftsFaster)> GenTrace =
        GenStep.Array[1, 14].Select(GenStep, (steps, last) =>
        {
            var terminate = last.Step with
            {
                Target = last.Step.Target with { Text = "TERMINATE" },
                Draft = last.Step.Draft.Failed ? last.Step.Draft : last.Step.Draft with { Text = "TERMINATE" },
            };
            var all = steps.Append((Step: terminate, last.DraftFaster)).ToList();
            var trace = new AgentTrace
            {
                Id = "generated",
                Task = "generated task",
                Models = new TraceModels("gpt-4.1-mini", "gpt-4.1"),
                Judge = "exact",
                Steps = all.Select(s => s.Step).ToList(),
            };
            return (trace, all.All(s => s.DraftFaster));
        });

    // A policy: a fixed depth 0..8, a seeded random depth 0..8 each round, or a seeded random decision after every draft.
    private static readonly Gen<(int Fixed, int Seed)> GenPolicy = Gen.Select(Gen.Int[-2, 8], Gen.Int);

    private static ISpeculationPolicy PolicyFor((int Fixed, int Seed) choice) => choice.Fixed switch
    {
        >= 0 => new DepthChainPolicy(new FixedDepthPolicy(choice.Fixed)),
        -1 => new DepthChainPolicy(new RandomDepths(choice.Seed)),
        _ => new RandomChain(choice.Seed),
    };

    [Fact]
    public void With_the_exact_judge_the_plan_always_equals_the_target_plan_and_costs_add_up()
    {
        Gen.Select(GenTrace, GenPolicy, Gen.Bool).Sample((generated, policy, draftPastTerminate) =>
        {
            var simulator = new TraceSimulator(new SimulationOptions { RecordCalls = true, DraftPastTerminate = draftPastTerminate });
            var plan = simulator.Run(generated.Trace, PolicyFor(policy));

            Assert.Null(plan.FailureReason);
            Assert.Equal(TraceSimulator.TargetPlan(generated.Trace), plan.Plan);
            Assert.True(plan.Metrics.Lossless);
            Assert.Equal(plan.Calls!.Sum(c => c.CostUsd), plan.Metrics.CostUsd, 9);
            Assert.InRange(plan.Metrics.UnnecessaryCostUsd, 0, plan.Metrics.CostUsd + 1e-12);
            Assert.All(plan.Calls!, c => Assert.True(c.Usage.CompletionTokens <= MaxCompletion(generated.Trace, c)));
        }, iter: 1500, seed: "0N0XIzNsQ0O2");
    }

    [Fact]
    public void When_every_draft_is_faster_than_its_target_speculation_is_never_slower_than_the_target_alone()
    {
        Gen.Select(GenTrace.Where(g => g.DraftsFaster), GenPolicy).Sample((generated, policy) =>
        {
            var plan = new TraceSimulator(new SimulationOptions()).Run(generated.Trace, PolicyFor(policy));

            Assert.True(plan.Metrics.LatencySeconds <= plan.Metrics.SequentialLatencySeconds + 1e-9,
                $"{plan.Metrics.LatencySeconds} s > sequential {plan.Metrics.SequentialLatencySeconds} s");
        }, iter: 1500, seed: "0N0XIzNsQ0O2");
    }

    private static int MaxCompletion(AgentTrace trace, Planning.CallRecord call) => call.Role == Planning.AgentRole.Draft
        ? trace.Steps[call.Position].Draft.CompletionTokens
        : trace.Steps[call.Position].Target.CompletionTokens;

    private sealed class RandomDepths(int seed) : IDepthPolicy
    {
        private readonly Random _random = new(seed);

        public int ChooseDepth(in DepthRequest request) => _random.Next(0, 9);
    }

    private sealed class RandomChain(int seed) : ISpeculationPolicy
    {
        private readonly Random _random = new(seed);

        public ChainDecision AtRoundStart(in RoundStartRequest request) => new(_random.Next(4) > 0, ChainMemo.Start);

        public ChainDecision AfterDraft(in DraftFinishedRequest request) => new(_random.Next(3) > 0, request.Memo);
    }
}
