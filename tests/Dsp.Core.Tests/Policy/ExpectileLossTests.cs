using Dsp.Core.Policy;

namespace Dsp.Core.Tests.Policy;

public class ExpectileLossTests
{
    [Theory]
    [InlineData(3f, 1f, 0.9f, 0.9f * 4f)]   // under-prediction weighs τ
    [InlineData(1f, 3f, 0.9f, 0.1f * 4f)]   // over-prediction weighs 1 − τ
    [InlineData(2f, 0f, 0.5f, 0.5f * 4f)]   // τ = 0.5: half the squared error
    [InlineData(2f, 2f, 0.7f, 0f)]
    public void Loss_weighs_the_squared_residual_by_side(float target, float prediction, float tau, float expected)
    {
        Assert.Equal(expected, ExpectileLoss.Loss(target, prediction, tau), 5);
    }

    [Theory]
    [InlineData(3f, 1f, 0.9f)]
    [InlineData(1f, 3f, 0.9f)]
    [InlineData(0.3f, 0.2f, 0.1f)]
    [InlineData(-1f, 2f, 0.99f)]
    public void Gradient_matches_finite_differences(float target, float prediction, float tau)
    {
        const float h = 1e-3f;
        var numeric = (ExpectileLoss.Loss(target, prediction + h, tau) - ExpectileLoss.Loss(target, prediction - h, tau)) / (2 * h);

        Assert.Equal(numeric, ExpectileLoss.Gradient(target, prediction, tau), 2);
    }

    [Fact]
    public void The_minimizer_over_samples_is_the_tau_expectile()
    {
        // Minimizing Σ loss over {0, 0, 0, 4} by gradient descent: τ = 0.5 gives the mean, higher τ more.
        static float Fit(float tau)
        {
            float[] samples = [0f, 0f, 0f, 4f];
            var v = 0f;
            for (var i = 0; i < 20_000; i++)
            {
                v -= 0.01f * samples.Sum(s => ExpectileLoss.Gradient(s, v, tau));
            }

            return v;
        }

        Assert.Equal(1f, Fit(0.5f), 3);
        Assert.True(Fit(0.9f) > Fit(0.5f) + 1f);
        Assert.True(Fit(0.1f) < 0.5f);
    }
}
