using Dsp.Core.Acceptance;

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
    DateTimeOffset? LastErrorAt = null)
{
    /// <summary>How many judged drafts the acceptance model of this version was trained on (0: it has none).</summary>
    public int TrainedOnExamples { get; init; }

    /// <summary>How well the acceptance model in service before this version predicted the drafts judged since it
    /// was trained (null when there was none, or no draft was judged).</summary>
    public Calibration? Calibration { get; init; }
}
