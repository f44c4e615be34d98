using Dsp.Core.Policy;

namespace Dsp.Core.Tests.Policy;

public class LambdaReturnsTests
{
    [Fact]
    public void Returns_mix_bootstrapped_values_and_later_returns_by_lambda()
    {
        // A segment of two accepted drafts and a mismatch, then a one-transition segment ending the plan.
        float[] rewards = [1, 1, 0, 1];
        bool[] ends = [false, false, true, true];
        float[] values = [9f, 1.2f, 0.4f, 7f];
        var returns = new float[4];

        LambdaReturns.Compute(rewards, ends, values, gamma: 1f, lambda: 0.95f, returns);

        // G2 = 0; G1 = 1 + 0.05·0.4 + 0.95·0 = 1.02; G0 = 1 + 0.05·1.2 + 0.95·1.02 = 2.029; G3 = 1.
        Assert.Equal([2.029f, 1.02f, 0f, 1f], returns.Select(r => MathF.Round(r, 4)));
    }

    [Fact]
    public void Lambda_one_is_the_count_of_upcoming_accepted_drafts()
    {
        float[] rewards = [1, 1, 1, 0];
        var returns = new float[4];

        LambdaReturns.Compute(rewards, [false, false, false, true], [5f, 5f, 5f, 5f], 1f, 1f, returns);

        Assert.Equal([3f, 2f, 1f, 0f], returns);
    }

    [Fact]
    public void Gamma_discounts_later_rewards()
    {
        var returns = new float[2];

        LambdaReturns.Compute([1f, 1f], [false, true], [0f, 0f], gamma: 0.5f, lambda: 1f, returns);

        Assert.Equal([1.5f, 1f], returns);
    }

    [Fact]
    public void An_unterminated_last_segment_is_refused()
    {
        Assert.Throws<ArgumentException>(() => LambdaReturns.Compute([1f], [false], [0f], 1f, 0.95f, new float[1]));
    }
}
