using Dsp.Core.Policy;

namespace Dsp.Core.Runs;

/// <summary>The summary of one finished plan, as the <c>Runs</c> table keeps it.</summary>
public sealed record RunRecord
{
    public required string RunId { get; init; }

    public required string Task { get; init; }

    /// <summary>The agent profile that planned it.</summary>
    public required string Agents { get; init; }

    /// <summary>The policy that decided how far to speculate (runs recorded before there was a choice used <c>dsp</c>).</summary>
    public string Policy { get; init; } = PolicyNames.Dsp;

    /// <summary>The <c>adaptive</c> policy's value of time, in dollars per second saved.</summary>
    public double? ValueOfTime { get; init; }

    /// <summary>The <c>dsp</c> policy's τ.</summary>
    public required float Tradeoff { get; init; }

    /// <summary>The <c>dsp</c> policy's β.</summary>
    public required int Offset { get; init; }

    /// <summary>The policy version that decided (0: the prior; null: cold start).</summary>
    public long? PolicyVersion { get; init; }

    /// <summary>Completed, Failed or Stopped.</summary>
    public required string Outcome { get; init; }

    public required int Steps { get; init; }

    public required int Rounds { get; init; }

    public required double MeanDepth { get; init; }

    public required double LatencySeconds { get; init; }

    public required double CostUsd { get; init; }

    public required double UnnecessaryCostUsd { get; init; }

    /// <summary>Estimated from the target calls that verified each step.</summary>
    public required double SequentialLatencySeconds { get; init; }

    public required double SequentialCostUsd { get; init; }

    public required bool Lossless { get; init; }

    // Not required: runs stored (or in flight) before these were kept read as 0.

    /// <summary>Model calls the plan started, cancelled ones included.</summary>
    public int Calls { get; init; }

    /// <summary>Calls cancelled before they finished (or before they started).</summary>
    public int CancelledCalls { get; init; }

    /// <summary>Transient failures the agents retried after, over all the calls.</summary>
    public int Retries { get; init; }

    /// <summary>Transitions the run recorded for training.</summary>
    public required int Transitions { get; init; }

    public required DateTimeOffset CompletedAt { get; init; }
}
