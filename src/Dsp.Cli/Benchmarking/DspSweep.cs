using Dsp.Core.Simulation;

namespace Dsp.Cli.Benchmarking;

/// <summary>The dsp policy's part of a bench run: one independent online-learning stream per (τ, β) setting.</summary>
/// <param name="Settings">The settings, in the order their rows appear.</param>
/// <param name="Options">Passes, retraining, depth bounds, seed and initial snapshot, shared by every stream.</param>
/// <param name="Position">Where the dsp rows go among the replayed policies' rows (where <c>--policies</c> names dsp).</param>
internal sealed record DspSweep(IReadOnlyList<DspSetting> Settings, OnlineLearningOptions Options, int Position);
