using Dsp.Core.Metrics;
using Dsp.Core.Policy;
using Dsp.Core.Simulation;
using Dsp.Core.Traces;

namespace Dsp.Core.Acceptance;

/// <summary>How <see cref="OnlineAdaptiveBenchmark"/> streams tasks and retrains, the way the deployed app does.</summary>
public sealed record AdaptiveLearningOptions
{
    /// <summary>Passes over the trace files, in file order.</summary>
    public int Passes { get; init; } = 3;

    /// <summary>Retrain after every this many tasks (0: never; evaluate <see cref="InitialModel"/> as it is).</summary>
    public int RetrainEvery { get; init; } = 5;

    /// <summary>Train on at most this many of the most recent judged drafts (whole runs).</summary>
    public int MaxExamples { get; init; } = 100_000;

    /// <summary>Before any training: go on while fewer than this many drafts were started.</summary>
    public int ColdStartDepth { get; init; } = 2;

    public AcceptanceTrainerOptions Trainer { get; init; } = new();

    /// <summary>Start from this model instead of untrained.</summary>
    public AcceptanceModel? InitialModel { get; init; }
}

/// <summary>The result of streaming tasks through the adaptive policy at one value of time.</summary>
/// <param name="Summary">Metrics over the whole stream, cold start included (policy name <c>adaptive</c>).</param>
/// <param name="Calibration">The acceptance predictions behind its decisions against the drafts' verdicts, all passes.</param>
/// <param name="CalibrationByPass">The same, pass by pass.</param>
/// <param name="SummaryByPass">The metrics pass by pass.</param>
/// <param name="FinalModel">The model as last trained (null if it never was).</param>
/// <param name="Examples">Every run's judged drafts, in order.</param>
public sealed record OnlineAdaptiveResult(
    PolicySummary Summary,
    Calibration Calibration,
    IReadOnlyList<Calibration> CalibrationByPass,
    IReadOnlyList<PolicySummary> SummaryByPass,
    AcceptanceModel? FinalModel,
    IReadOnlyList<RunExamples> Examples);

/// <summary>
/// Online learning on the simulator: streams the traces in file order (several passes), starts untrained (or from a
/// given model), keeps each task's judged drafts when it finishes, and retrains every few tasks — as the Functions
/// app's timer does. Until the first training, each task's policy is given the evidence of the tasks before it
/// (<see cref="ColdStartEvidence"/>). Every decision's acceptance prediction is scored against the draft's verdict.
/// </summary>
public static class OnlineAdaptiveBenchmark
{
    public const string PolicyName = PolicyNames.Adaptive;

    public static OnlineAdaptiveResult Run(
        IReadOnlyList<AgentTrace> traces,
        double valueOfTime,
        AdaptiveLearningOptions options,
        SimulationOptions simulation,
        IProgress<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Passes, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.RetrainEvery);
        var trainer = new AcceptanceTrainer(options.Trainer);
        var simulator = new TraceSimulator(simulation);
        var model = options.InitialModel;
        var runs = new List<RunExamples>();
        var plans = new PolicySummaryBuilder(PolicyName);
        var overall = new CalibrationBuilder();
        var byPass = new List<Calibration>(options.Passes);
        var summaries = new List<PolicySummary>(options.Passes);
        var examples = 0;
        var oldest = 0;

        for (var pass = 0; pass < options.Passes; pass++)
        {
            var passCalibration = new CalibrationBuilder();
            var passPlans = new PolicySummaryBuilder(PolicyName);
            foreach (var trace in traces)
            {
                var policy = new AdaptivePolicy(model, new AdaptiveSettings
                {
                    ValueOfTime = valueOfTime,
                    DraftPrice = simulation.Prices[trace.Models.Draft],
                    TargetPrice = simulation.Prices[trace.Models.Target],
                    Billing = simulation.CancelledCallBilling,
                    ColdStartDepth = options.ColdStartDepth,
                }, model is null ? ColdStartEvidence.From(runs) : null);
                var plan = simulator.Run(trace, policy);
                Score(plan, overall, passCalibration);
                plans.Add(plan.Metrics);
                passPlans.Add(plan.Metrics);
                var run = RunExamples.From($"{trace.Id}#{plans.Tasks}", trace.Task, plan.Plan, plan.JudgedDrafts, judged => AcceptancePrior.Usage(trace, judged.Position));
                runs.Add(run);
                examples += run.Drafts.Count;
                progress?.Report(plans.Tasks);

                if (options.RetrainEvery > 0 && plans.Tasks % options.RetrainEvery == 0 && examples > 0)
                {
                    for (; examples - runs[oldest].Drafts.Count >= options.MaxExamples; oldest++)
                    {
                        examples -= runs[oldest].Drafts.Count;
                    }

                    model = trainer.Train(runs[oldest..]);
                }
            }

            byPass.Add(passCalibration.Build());
            summaries.Add(passPlans.Build() with { ValueOfTime = valueOfTime });
        }

        var summary = plans.Build() with { ValueOfTime = valueOfTime };
        return new OnlineAdaptiveResult(summary, overall.Build(), byPass, summaries, model, runs);
    }

    /// <summary>Runs several values of time, in parallel, each stream independent and deterministic.</summary>
    public static IReadOnlyList<OnlineAdaptiveResult> RunAll(
        IReadOnlyList<AgentTrace> traces,
        IReadOnlyList<double> valuesOfTime,
        AdaptiveLearningOptions options,
        SimulationOptions simulation,
        IProgress<int>? progress = null)
        => ParallelStreams.Run(valuesOfTime, progress, (valueOfTime, counter) => Run(traces, valueOfTime, options, simulation, counter));

    /// <summary>Scores each prediction the policy made for a draft that was then judged.</summary>
    private static void Score(SimulatedPlan plan, CalibrationBuilder overall, CalibrationBuilder pass)
    {
        foreach (var judged in plan.JudgedDrafts)
        {
            foreach (var prediction in plan.Predictions)
            {
                if (prediction.Round == judged.Round && prediction.Position == judged.Position)
                {
                    overall.Add(prediction.Acceptance, judged.Accepted);
                    pass.Add(prediction.Acceptance, judged.Accepted);
                    break;
                }
            }
        }
    }
}
