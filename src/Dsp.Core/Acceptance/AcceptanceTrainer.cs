namespace Dsp.Core.Acceptance;

/// <summary>How the acceptance model is trained.</summary>
public sealed record AcceptanceTrainerOptions
{
    /// <summary>The L2 penalty λ on the logistic weights; null chooses it on the newest examples.</summary>
    public double? L2 { get; init; }

    /// <summary>Newton steps at most per fit.</summary>
    public int MaxIterations { get; init; } = 50;
}

/// <summary>
/// Trains the acceptance model from runs' judged drafts, oldest run first. Each run's examples are featurized with the
/// counts of the runs before it only — as the deployed model sees a new run — and then counted; the logistic weights
/// are fitted on those features, and the counts of every run become the model's memory. Deterministic: the same runs
/// in the same order give the same model. Trains from scratch each time (a few seconds for 100,000 examples), so a
/// model never depends on the history of its trainings.
/// </summary>
public sealed class AcceptanceTrainer(AcceptanceTrainerOptions? options = null)
{
    private readonly AcceptanceTrainerOptions _options = options ?? new AcceptanceTrainerOptions();

    /// <exception cref="ArgumentException">A run's examples are inconsistent, or there are none.</exception>
    public AcceptanceModel Train(IReadOnlyList<RunExamples> runs)
    {
        var examples = runs.Sum(r => r.Validated().Drafts.Count);
        if (examples == 0)
        {
            throw new ArgumentException("There are no judged drafts to train the acceptance model on.", nameof(runs));
        }

        var counts = new CountTable(examples * 8);
        var after = new double[examples * AcceptanceFeatures.AfterDraft];
        var before = new double[examples * AcceptanceFeatures.BeforeDraft];
        var labels = new bool[examples];
        var afterRegimes = new int[examples];
        var beforeRegimes = new int[examples];
        int row = 0, accepted = 0;
        var contexts = new List<(AcceptanceFeatures.Context Context, ulong Draft, ulong Target)>();
        foreach (var run in runs)
        {
            var prior = (accepted + 1f) / (row + 2f);
            contexts.Clear();
            var task = StableHash.OfText(run.Task);
            var steps = run.Plan.Select(step => StableHash.OfText(step)).ToArray();
            foreach (var record in run.Drafts)
            {
                var prefix = steps.AsSpan(0, record.Position);
                var context = AcceptanceFeatures.ContextOf(task, prefix);
                var draft = StableHash.OfText(record.Draft);
                afterRegimes[row] = AcceptanceFeatures.WriteAfterDraft(counts, prior, context, draft, record.Draft, prefix.Contains(draft),
                    after.AsSpan(row * AcceptanceFeatures.AfterDraft, AcceptanceFeatures.AfterDraft));
                beforeRegimes[row] = AcceptanceFeatures.WriteBeforeDraft(
                    counts, prior, context, before.AsSpan(row * AcceptanceFeatures.BeforeDraft, AcceptanceFeatures.BeforeDraft));
                labels[row++] = record.Accepted;
                contexts.Add((context, draft, steps[record.Position]));
            }

            for (var i = 0; i < contexts.Count; i++)
            {
                var (context, draft, target) = contexts[i];
                AcceptanceFeatures.Add(counts, context, draft, target, run.Drafts[i].Accepted);
                accepted += run.Drafts[i].Accepted ? 1 : 0;
            }
        }

        var afterModel = RegimeModel.Fit(after, labels, afterRegimes, AcceptanceFeatures.AfterDraft, AcceptanceFeatures.AfterDraftRegimes, _options);
        var beforeModel = RegimeModel.Fit(before, labels, beforeRegimes, AcceptanceFeatures.BeforeDraft, AcceptanceFeatures.BeforeDraftRegimes, _options);
        var fit = new CalibrationBuilder();
        for (var i = 0; i < examples; i++)
        {
            fit.Add(afterModel.Predict(after.AsSpan(i * AcceptanceFeatures.AfterDraft, AcceptanceFeatures.AfterDraft), afterRegimes[i]), labels[i]);
        }

        return new AcceptanceModel(
            counts, (accepted + 1f) / (examples + 2f), afterModel, beforeModel, CallStatistics.From(runs), runs.Count, examples, fit.Build());
    }
}
