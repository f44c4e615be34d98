using Dsp.Core.Policy;
using Dsp.Core.Runs;

namespace Dsp.Functions.Policy;

/// <summary>Policy settings (configuration section <c>Dsp:Policy</c>).</summary>
public sealed class PolicyOptions
{
    public const string Section = "Dsp:Policy";

    /// <summary>How often PredictDepth looks for a newer published snapshot.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    public int MinDepth { get; set; } = 1;

    public int MaxDepth { get; set; } = 8;

    public int ColdStartDepth { get; set; } = 2;

    /// <summary>Seeds training (same transitions and seed: same snapshot).</summary>
    public int Seed { get; set; } = 1;

    public TimeSpan TrainingWindow { get; set; } = TimeSpan.FromDays(30);

    public int MaxTrainingTransitions { get; set; } = 100_000;

    public DepthSelection Selection => new() { MinDepth = MinDepth, MaxDepth = MaxDepth, ColdStartDepth = ColdStartDepth };

    public TrainerOptions Trainer => new() { Seed = Seed };

    public RetrainOptions Retrain => new() { TrainingWindow = TrainingWindow, MaxTransitions = MaxTrainingTransitions };
}
