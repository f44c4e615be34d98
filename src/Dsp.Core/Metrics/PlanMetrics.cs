namespace Dsp.Core.Metrics;

/// <summary>How one plan went, against the target alone (DESIGN.md, "Cost model and metrics").</summary>
public sealed record PlanMetrics
{
    public required string TaskId { get; init; }

    /// <summary>Verified steps in the plan.</summary>
    public required int Steps { get; init; }

    /// <summary>End-to-end seconds of speculative planning.</summary>
    public required double LatencySeconds { get; init; }

    public required double CostUsd { get; init; }

    /// <summary>Cost of rejected drafts and of every call beyond a round's first mismatch.</summary>
    public required double UnnecessaryCostUsd { get; init; }

    /// <summary>Seconds the target alone would take: the sum of its step latencies.</summary>
    public required double SequentialLatencySeconds { get; init; }

    /// <summary>What the target alone would cost.</summary>
    public required double SequentialCostUsd { get; init; }

    public required int Rounds { get; init; }

    /// <summary>Mean speculation depth over the plan's rounds.</summary>
    public required double MeanDepth { get; init; }

    /// <summary>Most model calls running at the same moment.</summary>
    public required int PeakConcurrentCalls { get; init; }

    public required int Calls { get; init; }

    public required int CancelledCalls { get; init; }

    /// <summary>Drafts accepted by the judge.</summary>
    public required int AcceptedDrafts { get; init; }

    /// <summary>Whether the verified plan is, step for step, the plan of the target alone.</summary>
    public required bool MatchesTargetPlan { get; init; }

    /// <summary>Whether the judge was exact: only then is an equal plan guaranteed rather than observed.</summary>
    public required bool ExactJudge { get; init; }

    /// <summary>Equal to the target's plan under an exact judge.</summary>
    public bool Lossless => ExactJudge && MatchesTargetPlan;

    /// <summary>1 − T_spec / T_seq: the share of the target-alone time saved.</summary>
    public double DeltaTime => 1.0 - (LatencySeconds / SequentialLatencySeconds);

    /// <summary>C_spec / C_seq − 1: the extra cost over the target alone.</summary>
    public double DeltaCost => (CostUsd / SequentialCostUsd) - 1.0;
}
