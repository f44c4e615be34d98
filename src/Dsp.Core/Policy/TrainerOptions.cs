namespace Dsp.Core.Policy;

/// <summary>How the value model is trained.</summary>
public sealed record TrainerOptions
{
    /// <summary>The expectile levels learned at once (one head each), rising within (0, 1).</summary>
    public IReadOnlyList<float> Taus { get; init; } = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 0.95f, 0.99f];

    /// <summary>Units in the shared hidden layer.</summary>
    public int HiddenUnits { get; init; } = 32;

    /// <summary>Passes over the batch (more when the batch is small: see <see cref="MinimumUpdates"/>).</summary>
    public int Epochs { get; init; } = 6;

    /// <summary>At least this many optimizer steps per training, so that small batches are learned too.</summary>
    public int MinimumUpdates { get; init; } = 300;

    public int BatchSize { get; init; } = 32;

    public float LearningRate { get; init; } = 0.005f;

    /// <summary>AdamW's decoupled weight decay.</summary>
    public float WeightDecay { get; init; } = 1e-4f;

    /// <summary>The discount γ of the λ-return (1: count every upcoming accepted draft).</summary>
    public float Gamma { get; init; } = 1f;

    /// <summary>The λ of the λ-return (1: Monte Carlo; 0: one-step bootstrapping).</summary>
    public float Lambda { get; init; } = 0.95f;

    /// <summary>Seeds the initial weights (when not warm-starting) and the shuffling: same seed, same snapshot.</summary>
    public int Seed { get; init; } = 1;
}
