namespace Dsp.Core.Policy;

/// <summary>How a predicted value becomes a depth: k = clamp(round(V_τ(s)) + β, kMin, kMax).</summary>
public sealed record DepthSelection
{
    /// <summary>τ, the latency↔cost knob in (0, 1): higher speculates deeper (faster, dearer).</summary>
    public float Tradeoff { get; init; } = 0.5f;

    /// <summary>β, added to the rounded prediction.</summary>
    public int Offset { get; init; }

    /// <summary>kMin; 0 lets the policy skip the draft when it predicts it useless.</summary>
    public int MinDepth { get; init; } = 1;

    public int MaxDepth { get; init; } = 8;

    /// <summary>Stands in for the rounded prediction before any training (β is still added).</summary>
    public int ColdStartDepth { get; init; } = 2;

    /// <summary>Throws when a setting is out of range.</summary>
    public DepthSelection Validated()
    {
        if (!(Tradeoff is > 0f and < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(Tradeoff), Tradeoff, "The tradeoff τ must lie strictly between 0 and 1.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MinDepth);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDepth, Math.Max(MinDepth, 1));
        ArgumentOutOfRangeException.ThrowIfNegative(ColdStartDepth);
        return this;
    }
}
