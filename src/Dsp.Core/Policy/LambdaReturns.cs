namespace Dsp.Core.Policy;

/// <summary>
/// λ-returns over consecutive transitions: G_i = r_i + γ((1 − λ)·V(s_{i+1}) + λ·G_{i+1}), and G_i = r_i where
/// the segment ends (a mismatch or the end of the plan: nothing further is accepted).
/// </summary>
public static class LambdaReturns
{
    /// <summary>
    /// Fills <paramref name="returns"/>. <paramref name="values"/>[i] is the model's V(s_i); transition i+1 is the
    /// successor of i unless <paramref name="endsSegment"/>[i].
    /// </summary>
    public static void Compute(
        ReadOnlySpan<float> rewards,
        ReadOnlySpan<bool> endsSegment,
        ReadOnlySpan<float> values,
        float gamma,
        float lambda,
        Span<float> returns)
    {
        var n = rewards.Length;
        if (endsSegment.Length != n || values.Length != n || returns.Length != n)
        {
            throw new ArgumentException("Rewards, segment ends, values and returns must have the same length.");
        }

        if (n > 0 && !endsSegment[n - 1])
        {
            throw new ArgumentException("The last transition must end its segment.", nameof(endsSegment));
        }

        for (var i = n - 1; i >= 0; i--)
        {
            returns[i] = endsSegment[i]
                ? rewards[i]
                : rewards[i] + (gamma * (((1 - lambda) * values[i + 1]) + (lambda * returns[i + 1])));
        }
    }
}
