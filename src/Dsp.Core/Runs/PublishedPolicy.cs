namespace Dsp.Core.Runs;

/// <summary>The row that describes the policy in service, and the last training failure if any.</summary>
/// <param name="Version">The snapshot version in service (0: none yet).</param>
/// <param name="TrainedAt">When it was trained.</param>
/// <param name="TrainedOnTransitions">How many transitions its training used.</param>
/// <param name="TrainingLoss">Its final training loss.</param>
/// <param name="Watermark">Transitions recorded up to this instant have been trained on.</param>
/// <param name="LastError">Why the last training or snapshot load failed, if it did after this version.</param>
/// <param name="LastErrorAt">When that happened.</param>
public sealed record PublishedPolicy(
    long Version,
    DateTimeOffset? TrainedAt,
    int TrainedOnTransitions,
    float TrainingLoss,
    DateTimeOffset? Watermark,
    string? LastError = null,
    DateTimeOffset? LastErrorAt = null);
