namespace Dsp.Core.Metrics;

/// <summary>
/// One policy over a set of tasks: latency and costs summed over tasks, the other figures averaged over tasks
/// (ΔTime and ΔCost as percentages), as the <c>dsp bench</c> report shows them.
/// </summary>
public sealed record PolicySummary
{
    public required string Policy { get; init; }

    public required int Tasks { get; init; }

    public required int Steps { get; init; }

    public required double LatencySeconds { get; init; }

    public required double CostUsd { get; init; }

    public required double UnnecessaryCostUsd { get; init; }

    public required double SequentialLatencySeconds { get; init; }

    public required double SequentialCostUsd { get; init; }

    /// <summary>Mean over tasks of 1 − T_spec / T_seq, in percent.</summary>
    public required double DeltaTimePercent { get; init; }

    /// <summary>Mean over tasks of C_spec / C_seq − 1, in percent.</summary>
    public required double DeltaCostPercent { get; init; }

    public required double MeanDepth { get; init; }

    public required double PeakConcurrentCalls { get; init; }

    public required double Rounds { get; init; }

    /// <summary>Every task's plan equals the target's and the judge is exact.</summary>
    public required bool Lossless { get; init; }

    /// <summary>Every task's plan equals the target's (observed, whatever the judge).</summary>
    public required bool MatchesTargetPlan { get; init; }

    /// <summary>The expectile level τ of a learned (<c>dsp</c>) policy.</summary>
    public float? Tau { get; init; }

    /// <summary>The depth offset β of a learned (<c>dsp</c>) policy.</summary>
    public int? Offset { get; init; }

    /// <summary>For a learned policy: the share of its depth predictions with k ∈ {label, label + 1}, where the
    /// label is the depth that speculates exactly through the next mismatch.</summary>
    public double? PredictorAccuracy { get; init; }

    /// <summary>Total latency over total sequential latency.</summary>
    public double LatencyRatio => LatencySeconds / SequentialLatencySeconds;

    /// <summary>Total cost over total sequential cost.</summary>
    public double CostRatio => CostUsd / SequentialCostUsd;

    /// <summary>Summarizes plans of one policy.</summary>
    public static PolicySummary From(string policy, IReadOnlyCollection<PlanMetrics> plans)
    {
        if (plans.Count == 0)
        {
            throw new ArgumentException("A summary needs at least one plan.", nameof(plans));
        }

        return new PolicySummary
        {
            Policy = policy,
            Tasks = plans.Count,
            Steps = plans.Sum(p => p.Steps),
            LatencySeconds = plans.Sum(p => p.LatencySeconds),
            CostUsd = plans.Sum(p => p.CostUsd),
            UnnecessaryCostUsd = plans.Sum(p => p.UnnecessaryCostUsd),
            SequentialLatencySeconds = plans.Sum(p => p.SequentialLatencySeconds),
            SequentialCostUsd = plans.Sum(p => p.SequentialCostUsd),
            DeltaTimePercent = 100.0 * plans.Average(p => p.DeltaTime),
            DeltaCostPercent = 100.0 * plans.Average(p => p.DeltaCost),
            MeanDepth = plans.Average(p => p.MeanDepth),
            PeakConcurrentCalls = plans.Average(p => p.PeakConcurrentCalls),
            Rounds = plans.Average(p => p.Rounds),
            Lossless = plans.All(p => p.Lossless),
            MatchesTargetPlan = plans.All(p => p.MatchesTargetPlan),
        };
    }
}
