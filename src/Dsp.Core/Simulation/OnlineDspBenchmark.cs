using Dsp.Core.Metrics;
using Dsp.Core.Policy;
using Dsp.Core.Traces;

namespace Dsp.Core.Simulation;

/// <summary>The result of streaming tasks through a learning DSP policy.</summary>
/// <param name="Summary">Metrics over the whole stream, cold start included (policy name <c>dsp</c>).</param>
/// <param name="FinalSnapshot">The policy as last trained (null if it never was).</param>
/// <param name="Transitions">Every transition the stream produced, in order.</param>
public sealed record OnlineDspResult(PolicySummary Summary, PolicySnapshot? FinalSnapshot, IReadOnlyList<PolicyTransition> Transitions);

/// <summary>
/// Online learning on the simulator: streams the traces in file order (several passes), starts untrained (or from
/// a given snapshot), records each task's transitions when it finishes, and retrains every few tasks from the
/// latest snapshot — as the Functions app's timer does.
/// </summary>
public static class OnlineDspBenchmark
{
    public const string PolicyName = PolicyNames.Dsp;

    /// <summary>Runs one setting's stream. <paramref name="progress"/> hears the number of tasks done.</summary>
    public static OnlineDspResult Run(
        IReadOnlyList<AgentTrace> traces,
        DspSetting setting,
        OnlineLearningOptions options,
        SimulationOptions simulation,
        IProgress<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Passes, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.RetrainEvery);
        var featurizer = new HashedTextFeaturizer();
        var trainer = new PolicyTrainer(options.Trainer, featurizer);
        var selection = (options.Selection with { Tradeoff = setting.Tau, Offset = setting.Offset }).Validated();
        var simulator = new TraceSimulator(simulation);
        var snapshot = options.InitialSnapshot;
        var all = new List<PolicyTransition>();
        var plans = new PolicySummaryBuilder(PolicyName);
        int predictions = 0, hits = 0;

        for (var pass = 0; pass < options.Passes; pass++)
        {
            foreach (var trace in traces)
            {
                var policy = new ChosenDepths(new DspDepthPolicy(snapshot, featurizer, selection));
                var plan = simulator.Run(trace, policy);
                var transitions = TransitionBuilder.Build($"{trace.Id}#{plans.Tasks}", trace.Task, plan.Plan, plan.Verdicts, plan.Rounds);
                if (snapshot is not null)
                {
                    (predictions, hits) = Score(plan, policy.Depths, transitions, predictions, hits);
                }

                plans.Add(plan.Metrics);
                all.AddRange(transitions);
                progress?.Report(plans.Tasks);

                if (options.RetrainEvery > 0 && plans.Tasks % options.RetrainEvery == 0 && all.Count > 0)
                {
                    var window = all.Count > options.BufferCapacity ? all[^options.BufferCapacity..] : all;
                    snapshot = trainer.Train(snapshot, window);
                }
            }
        }

        var summary = plans.Build() with
        {
            Tau = setting.Tau,
            Offset = setting.Offset,
            PredictorAccuracy = predictions == 0 ? null : (double)hits / predictions,
        };
        return new OnlineDspResult(summary, snapshot, all);
    }

    /// <summary>Runs several settings' streams, in parallel, each independent and deterministic.</summary>
    public static IReadOnlyList<OnlineDspResult> RunAll(
        IReadOnlyList<AgentTrace> traces,
        IReadOnlyList<DspSetting> settings,
        OnlineLearningOptions options,
        SimulationOptions simulation,
        IProgress<int>? progress = null)
        => ParallelStreams.Run(settings, progress, (setting, counter) => Run(traces, setting, options, simulation, counter));

    /// <summary>Counts the rounds whose chosen depth k was the label or one more (the paper's predictor accuracy).</summary>
    private static (int Predictions, int Hits) Score(
        SimulatedPlan plan, List<int> depths, IReadOnlyList<PolicyTransition> transitions, int predictions, int hits)
    {
        foreach (var round in plan.Rounds)
        {
            var depth = depths[round.Index];
            if (depth == 0)
            {
                continue;
            }

            foreach (var transition in transitions)
            {
                if (transition.State.Position == round.Start)
                {
                    predictions++;
                    hits += depth == transition.Label || depth == transition.Label + 1 ? 1 : 0;
                    break;
                }
            }
        }

        return (predictions, hits);
    }

    /// <summary>Keeps the depth chosen at each round's start (the chain may stop short of it).</summary>
    private sealed class ChosenDepths(IDepthPolicy policy) : IDepthPolicy
    {
        public List<int> Depths { get; } = [];

        public int ChooseDepth(in DepthRequest request)
        {
            var depth = policy.ChooseDepth(request);
            Depths.Add(depth);
            return depth;
        }
    }
}
