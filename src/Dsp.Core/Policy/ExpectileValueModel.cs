using System.Numerics.Tensors;

namespace Dsp.Core.Policy;

/// <summary>
/// V_τ(s): the τ-expectile of the number of upcoming drafts that will be accepted, for a grid of τ at once. One
/// hidden ReLU layer over sparse features is shared by all heads; the heads are non-crossing by construction —
/// head 0 is linear and each next head adds a softplus increment — so V is monotone in τ, which is what makes
/// τ a well-behaved latency↔cost knob. τ between grid points interpolates linearly.
/// </summary>
public sealed class ExpectileValueModel
{
    private ExpectileValueModel(int inputs, int hidden, float[] taus, float[] inputWeights, float[] hiddenBias, float[] headWeights, float[] headBias)
    {
        if (taus.Length == 0 || taus.Zip(taus.Skip(1)).Any(p => p.First >= p.Second) || taus[0] <= 0 || taus[^1] >= 1)
        {
            throw new ArgumentException("Expectile levels must rise strictly within (0, 1).", nameof(taus));
        }

        Inputs = inputs;
        Hidden = hidden;
        Taus = taus;
        InputWeights = inputWeights;
        HiddenBias = hiddenBias;
        HeadWeights = headWeights;
        HeadBias = headBias;
    }

    public int Inputs { get; }

    public int Hidden { get; }

    /// <summary>The expectile levels of the heads, rising.</summary>
    public IReadOnlyList<float> Taus { get; }

    public int Heads => Taus.Count;

    // Row f of the input weights (Hidden floats) belongs to input feature f, so a sparse input reads few rows.
    internal float[] InputWeights { get; }

    internal float[] HiddenBias { get; }

    internal float[] HeadWeights { get; }

    internal float[] HeadBias { get; }

    /// <summary>A model with small random weights drawn from <paramref name="seed"/>.</summary>
    public static ExpectileValueModel Create(int inputs, int hidden, IReadOnlyList<float> taus, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        var random = new Random(seed);
        float Uniform(float scale) => (float)((random.NextDouble() * 2) - 1) * scale;

        var inputWeights = new float[inputs * hidden];
        for (var i = 0; i < inputWeights.Length; i++)
        {
            inputWeights[i] = Uniform(0.5f);
        }

        var headWeights = new float[taus.Count * hidden];
        for (var i = 0; i < headWeights.Length; i++)
        {
            headWeights[i] = Uniform(0.05f);
        }

        var headBias = new float[taus.Count];
        headBias[0] = 1f;                       // about one accepted draft before any data
        for (var k = 1; k < headBias.Length; k++)
        {
            headBias[k] = -2.25f;               // softplus(-2.25) ≈ 0.1 between neighbouring heads
        }

        return new ExpectileValueModel(inputs, hidden, [.. taus], inputWeights, Enumerable.Repeat(0.1f, hidden).ToArray(), headWeights, headBias);
    }

    /// <summary>A model from stored parameters (see <see cref="PolicySnapshot"/>).</summary>
    internal static ExpectileValueModel FromParameters(int inputs, int hidden, float[] taus, float[] inputWeights, float[] hiddenBias, float[] headWeights, float[] headBias)
    {
        if (inputWeights.Length != inputs * hidden || hiddenBias.Length != hidden
            || headWeights.Length != taus.Length * hidden || headBias.Length != taus.Length)
        {
            throw new ArgumentException("Parameter sizes do not match the model's shape.");
        }

        return new ExpectileValueModel(inputs, hidden, taus, inputWeights, hiddenBias, headWeights, headBias);
    }

    /// <summary>A deep copy, to train without touching this one.</summary>
    public ExpectileValueModel Clone() =>
        new(Inputs, Hidden, [.. Taus], [.. InputWeights], [.. HiddenBias], [.. HeadWeights], [.. HeadBias]);

    /// <summary>
    /// Runs the model: <paramref name="preActivation"/> and <paramref name="hidden"/> (Hidden each) and
    /// <paramref name="headLogits"/> and <paramref name="values"/> (Heads each) receive the intermediate results
    /// that training needs.
    /// </summary>
    public void Forward(
        ReadOnlySpan<int> indices,
        ReadOnlySpan<float> features,
        Span<float> preActivation,
        Span<float> hidden,
        Span<float> headLogits,
        Span<float> values)
    {
        HiddenBias.CopyTo(preActivation);
        for (var i = 0; i < indices.Length; i++)
        {
            var row = InputWeights.AsSpan(indices[i] * Hidden, Hidden);
            TensorPrimitives.MultiplyAdd(row, features[i], preActivation, preActivation);
        }

        TensorPrimitives.Max(preActivation, 0f, hidden);
        var running = 0f;
        for (var k = 0; k < Heads; k++)
        {
            var logit = TensorPrimitives.Dot(HeadWeights.AsSpan(k * Hidden, Hidden), hidden) + HeadBias[k];
            headLogits[k] = logit;
            running = k == 0 ? logit : running + Softplus(logit);
            values[k] = running;
        }
    }

    /// <summary>V_τ(s) for one state's features.</summary>
    public float Predict(ReadOnlySpan<int> indices, ReadOnlySpan<float> features, float tau)
    {
        Span<float> buffer = stackalloc float[(2 * Hidden) + (2 * Heads)];
        var values = buffer.Slice((2 * Hidden) + Heads, Heads);
        Forward(indices, features, buffer[..Hidden], buffer.Slice(Hidden, Hidden), buffer.Slice(2 * Hidden, Heads), values);
        return Interpolate(values, tau);
    }

    /// <summary>The value at <paramref name="tau"/> from the heads' values: linear between grid points, the
    /// outermost head beyond them.</summary>
    public float Interpolate(ReadOnlySpan<float> values, float tau)
    {
        if (tau <= Taus[0])
        {
            return values[0];
        }

        for (var k = 1; k < Heads; k++)
        {
            if (tau <= Taus[k])
            {
                var t = (tau - Taus[k - 1]) / (Taus[k] - Taus[k - 1]);
                return values[k - 1] + (t * (values[k] - values[k - 1]));
            }
        }

        return values[Heads - 1];
    }

    internal static float Softplus(float x) => x > 20 ? x : MathF.Log(1 + MathF.Exp(x));

    internal static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
