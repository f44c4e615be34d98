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
    string? FailureReason);
