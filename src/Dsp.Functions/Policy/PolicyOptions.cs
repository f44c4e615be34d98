using Dsp.Core.Policy;
using Dsp.Core.Runs;

namespace Dsp.Functions.Policy;

/// <summary>Policy settings (configuration section <c>Dsp:Policy</c>).</summary>
public sealed class PolicyOptions
{
    public const string Section = "Dsp:Policy";

    /// <summary>The value of time of a plan that names none: $0.02 per second saved ($72 an hour).</summary>
    public const double DefaultValueOfTime = 0.02;

    /// <summary>The prior shipped with the app: an acceptance model trained on the bundled traces.</summary>
    public static string BundledPrior => Path.Combine(AppContext.BaseDirectory, "policy", "prior.dspa");

    /// <summary>How often the policy looks for a newer published snapshot.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The acceptance model the <c>adaptive</c> policy serves until the first retraining publishes one
    /// (empty: none, start cold).</summary>
    public string Prior { get; set; } = BundledPrior;

    public int MinDepth { get; set; } = 1;

    public int MaxDepth { get; set; } = 8;

    public int ColdStartDepth { get; set; } = 2;

    /// <summary>Seeds training (same transitions and seed: same snapshot).</summary>
    public int Seed { get; set; } = 1;

    public TimeSpan TrainingWindow { get; set; } = TimeSpan.FromDays(30);

    public int MaxTrainingTransitions { get; set; } = 100_000;

    public int MaxTrainingExamples { get; set; } = 100_000;

    public DepthSelection Selection => new() { MinDepth = MinDepth, MaxDepth = MaxDepth, ColdStartDepth = ColdStartDepth };

    public TrainerOptions Trainer => new() { Seed = Seed };

    public RetrainOptions Retrain => new() { TrainingWindow = TrainingWindow, MaxTransitions = MaxTrainingTransitions, MaxExamples = MaxTrainingExamples };
}
