namespace Dsp.Core.Metrics;

/// <summary>
/// One policy over a set of tasks: latency and costs summed over tasks, the other figures averaged over tasks
/// (ΔTime and ΔCost as percentages), as the <c>dsp bench</c> report shows them.
/// </summary>
public sealed record PolicySummary
{
    public required string Policy { get; init; }

    public required int Tasks { get; init; }

    public required long Steps { get; init; }

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

    /// <summary>The value of time (dollars per second saved) of an <c>adaptive</c> policy.</summary>
    public double? ValueOfTime { get; init; }

    /// <summary>Total latency over total sequential latency.</summary>
    public double LatencyRatio => LatencySeconds / SequentialLatencySeconds;

    /// <summary>Total cost over total sequential cost.</summary>
    public double CostRatio => CostUsd / SequentialCostUsd;

    /// <summary>Summarizes plans of one policy.</summary>
    public static PolicySummary From(string policy, IEnumerable<PlanMetrics> plans)
    {
        var builder = new PolicySummaryBuilder(policy);
        foreach (var plan in plans)
        {
            builder.Add(plan);
        }

        return builder.Build();
    }
}
