using System.Buffers;
using Dsp.Core.Policy;

namespace Dsp.Core.Acceptance;

/// <summary>
/// P(this draft will be accepted | task, verified prefix, the round's earlier drafts, this draft's text): a logistic
/// model over count features (<see cref="AcceptanceFeatures"/>) whose counts are its memory of every judged draft it
/// was trained on; and P(the next draft will be accepted) before it exists, for the round-start decision. Immutable
/// and thread-safe. Trained by <see cref="AcceptanceTrainer"/>; stored with a policy snapshot.
/// </summary>
public sealed class AcceptanceModel
{
    /// <summary>Identifies the features; a stored model of other features is refused.</summary>
    public const string FeatureSignature = "acceptance-counts/1";

    private const int StackPrefix = 128;

    internal AcceptanceModel(
        CountTable counts, float prior, RegimeModel afterDraft, RegimeModel beforeDraft, CallStatistics statistics, int runs, int examples, Calibration fit)
    {
        if (afterDraft.Regimes.Count != AcceptanceFeatures.AfterDraftRegimes || afterDraft.Regimes.Any(r => r.Weights.Length != AcceptanceFeatures.AfterDraft)
            || beforeDraft.Regimes.Count != AcceptanceFeatures.BeforeDraftRegimes || beforeDraft.Regimes.Any(r => r.Weights.Length != AcceptanceFeatures.BeforeDraft))
        {
            throw new ArgumentException("The weights do not match the features.");
        }

        Counts = counts;
        Prior = prior;
        AfterDraft = afterDraft;
        BeforeDraft = beforeDraft;
        Statistics = statistics;
        TrainedOnRuns = runs;
        TrainedOnExamples = examples;
        Fit = fit;
    }

    /// <summary>The share of drafts accepted in the training data (smoothed).</summary>
    public float Prior { get; }

    /// <summary>Typical calls of the drafter and the target in the training data.</summary>
    public CallStatistics Statistics { get; }

    public int TrainedOnRuns { get; }

    /// <summary>Judged drafts trained on.</summary>
    public int TrainedOnExamples { get; }

    /// <summary>The model's calibration on its training data, each example predicted from what came before it.</summary>
    public Calibration Fit { get; }

    internal CountTable Counts { get; }

    internal RegimeModel AfterDraft { get; }

    internal RegimeModel BeforeDraft { get; }

    /// <summary>The probability that <paramref name="draft"/> will be accepted; <paramref name="state"/>'s history is the
    /// prefix the draft was conditioned on and its counts those at the round's start.</summary>
    public double Predict(PolicyState state, string draft)
    {
        var rented = state.History.Count > StackPrefix ? ArrayPool<ulong>.Shared.Rent(state.History.Count) : null;
        try
        {
            var hashes = rented is null ? stackalloc ulong[StackPrefix] : rented;
            var prefix = Hash(state.History, hashes);
            var draftHash = StableHash.OfText(draft);
            var context = AcceptanceFeatures.ContextOf(StableHash.OfText(state.Task), prefix);
            Span<double> x = stackalloc double[AcceptanceFeatures.AfterDraft];
            var regime = AcceptanceFeatures.WriteAfterDraft(Counts, Prior, context, draftHash, draft, prefix.Contains(draftHash), x);
            return AfterDraft.Predict(x, regime);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<ulong>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The probability that a draft made at <paramref name="state"/>'s position will be accepted, before it exists.</summary>
    public double PredictBeforeDraft(PolicyState state)
    {
        var rented = state.History.Count > StackPrefix ? ArrayPool<ulong>.Shared.Rent(state.History.Count) : null;
        try
        {
            var hashes = rented is null ? stackalloc ulong[StackPrefix] : rented;
            var context = AcceptanceFeatures.ContextOf(StableHash.OfText(state.Task), Hash(state.History, hashes));
            Span<double> x = stackalloc double[AcceptanceFeatures.BeforeDraft];
            var regime = AcceptanceFeatures.WriteBeforeDraft(Counts, Prior, context, x);
            return BeforeDraft.Predict(x, regime);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<ulong>.Shared.Return(rented);
            }
        }
    }

    private static ReadOnlySpan<ulong> Hash(IReadOnlyList<string> steps, Span<ulong> hashes)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            hashes[i] = StableHash.OfText(steps[i]);
        }

        return hashes[..steps.Count];
    }
}
