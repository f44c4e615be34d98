using Dsp.Core.Policy;

namespace Dsp.Core.Simulation;

/// <summary>How <see cref="OnlineDspBenchmark"/> streams tasks and retrains, the way the deployed app does.</summary>
public sealed record OnlineLearningOptions
{
    /// <summary>Passes over the trace files, in file order.</summary>
    public int Passes { get; init; } = 3;

    /// <summary>Retrain after every this many tasks (0: never; evaluate <see cref="InitialSnapshot"/> as it is).</summary>
    public int RetrainEvery { get; init; } = 5;

    /// <summary>Train on at most this many of the most recent transitions.</summary>
    public int BufferCapacity { get; init; } = 100_000;

    /// <summary>Depth bounds and the cold-start depth (τ and β come from each setting).</summary>
    public DepthSelection Selection { get; init; } = new();

    public TrainerOptions Trainer { get; init; } = new();

    /// <summary>Start from this policy instead of untrained.</summary>
    public PolicySnapshot? InitialSnapshot { get; init; }
}

/// <summary>One point of the knob sweep: τ and β.</summary>
public readonly record struct DspSetting(float Tau, int Offset);
