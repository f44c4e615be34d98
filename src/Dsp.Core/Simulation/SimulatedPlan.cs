using Dsp.Core.Engine;
using Dsp.Core.Metrics;
using Dsp.Core.Planning;

namespace Dsp.Core.Simulation;

/// <summary>The replay of one trace under one policy.</summary>
/// <param name="Metrics">Latency, costs and the rest, against the target alone.</param>
/// <param name="Plan">The verified plan.</param>
/// <param name="Verdicts">How each verified position was decided.</param>
/// <param name="Rounds">Every round, in order.</param>
/// <param name="Calls">Every call in the order it ended, when <see cref="SimulationOptions.RecordCalls"/> is set.</param>
/// <param name="FailureReason">Why the plan failed, if it did.</param>
public sealed record SimulatedPlan(
    PlanMetrics Metrics,
    IReadOnlyList<string> Plan,
    IReadOnlyList<DraftVerdict> Verdicts,
    IReadOnlyList<RoundOutcome> Rounds,
    IReadOnlyList<CallRecord>? Calls,
    string? FailureReason)
{
    /// <summary>The drafts judged on a correct prefix: the acceptance model's examples.</summary>
    public IReadOnlyList<JudgedDraft> JudgedDrafts { get; init; } = [];

    /// <summary>The acceptance the policy predicted for each draft it decided after (policies that predict one).</summary>
    public IReadOnlyList<DraftPrediction> Predictions { get; init; } = [];
}

/// <summary>A policy's predicted probability that a draft will be accepted.</summary>
/// <param name="Round">The round of the draft.</param>
/// <param name="Position">The draft's plan position.</param>
/// <param name="Acceptance">The predicted probability.</param>
public readonly record struct DraftPrediction(int Round, int Position, double Acceptance);
