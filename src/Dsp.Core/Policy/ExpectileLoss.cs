namespace Dsp.Core.Policy;

/// <summary>
/// The expectile loss |τ − 1(u &lt; 0)|·u² of a residual u = target − prediction. τ &gt; 0.5 punishes
/// under-prediction more (the fitted value sits above the mean: deeper, faster, dearer speculation); τ &lt; 0.5
/// punishes over-prediction more; τ = 0.5 is half the squared error.
/// </summary>
public static class ExpectileLoss
{
    /// <summary>The loss of predicting <paramref name="prediction"/> for <paramref name="target"/>.</summary>
    public static float Loss(float target, float prediction, float tau)
    {
        var u = target - prediction;
        return Weight(u, tau) * u * u;
    }

    /// <summary>d loss / d prediction.</summary>
    public static float Gradient(float target, float prediction, float tau)
    {
        var u = target - prediction;
        return -2f * Weight(u, tau) * u;
    }

    private static float Weight(float u, float tau) => u < 0 ? 1f - tau : tau;
}
