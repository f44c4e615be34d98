using Dsp.Core.Acceptance;
using Dsp.Core.Policy;

namespace Dsp.Core.Runs;

/// <summary>Settings of <see cref="PolicyRetrainer"/>.</summary>
public sealed record RetrainOptions
{
    /// <summary>Train on the runs recorded within this window (the newest up to <see cref="MaxTransitions"/> transitions
    /// and <see cref="MaxExamples"/> judged drafts).</summary>
    public TimeSpan TrainingWindow { get; init; } = TimeSpan.FromDays(30);

    public int MaxTransitions { get; init; } = 100_000;

    public int MaxExamples { get; init; } = 100_000;

    /// <summary>How long one training may hold the exclusive lease.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>What one retraining attempt did.</summary>
public enum RetrainResult
{
    /// <summary>A new snapshot version is in service.</summary>
    Published,

    /// <summary>No transition was recorded since the last training.</summary>
    NothingNew,

    /// <summary>Another instance holds the training lease.</summary>
    Busy,

    /// <summary>Training failed; the policy in service is unchanged and the failure is recorded.</summary>
    Failed,
}

/// <summary>The outcome of <see cref="PolicyRetrainer.RunAsync"/>.</summary>
/// <param name="Result">What happened.</param>
/// <param name="Version">The version in service afterwards (0: none).</param>
/// <param name="Transitions">Transitions trained on (0 unless published).</param>
/// <param name="Error">Why training failed, or, when published, why it could not warm-start from the version in service.</param>
/// <param name="Examples">Judged drafts the acceptance model was trained on (0 unless published).</param>
public sealed record RetrainOutcome(RetrainResult Result, long Version, int Transitions = 0, string? Error = null, int Examples = 0);

/// <summary>
/// One retraining, as the timer runs it: under an exclusive lease, when runs were recorded since the last training,
/// trains the value model on the newest transitions of the window (new and older ones: a replay buffer, as the
/// simulator's online learning keeps) warm-started from the policy in service, and the acceptance model afresh on the
/// window's judged drafts, and publishes the next version. The acceptance model in service is first scored on the
/// drafts judged since it was trained — an honest measure of its calibration, which <c>GET /api/policy</c> shows.
/// The runs each version was trained on are kept with it (<see cref="TrainingBuffer"/>), so a retraining reads from the
/// store only what was recorded since the last one: its cost follows the new data and the bounded buffer, not the age
/// of the store. Without a readable buffer (the first training, or one lost) it reads the whole window.
/// A failure leaves the published policy as it was and is recorded where <c>GET /api/policy</c> shows it. A snapshot in
/// service that cannot be read (which the planners have refused, keeping the one before) does not stop training for
/// good: training warm-starts from the newest earlier snapshot that reads, or from fresh weights, and publishes the
/// next version over it.
/// </summary>
public sealed class PolicyRetrainer(
    ITrainingStore training,
    IPolicyStore policies,
    PolicyTrainer trainer,
    AcceptanceTrainer acceptanceTrainer,
    TimeProvider clock,
    RetrainOptions options)
{
    /// <summary>How many versions back a retraining looks for a snapshot to warm-start from.</summary>
    private const int WarmStartLookBack = 3;

    public async Task<RetrainOutcome> RunAsync(CancellationToken cancellationToken = default)
    {
        await using var lease = await policies.TryAcquireTrainingLeaseAsync(options.LeaseDuration, cancellationToken);
        var current = await policies.GetCurrentAsync(cancellationToken);
        var version = current?.Version ?? 0;
        if (lease is null)
        {
            return new RetrainOutcome(RetrainResult.Busy, version);
        }

        var now = clock.GetUtcNow();
        PolicySnapshot next;
        DateTimeOffset? watermark;
        string? unreadable;
        Calibration heldOut;
        List<RunTrainingData> window;
        try
        {
            var since = now - options.TrainingWindow;
            if (current?.Watermark is { } seen && await KeptAsync(version, cancellationToken) is { } kept)
            {
                (var fresh, watermark) = await ReadRecentAsync(seen, cancellationToken);
                if (fresh.Count == 0)
                {
                    return new RetrainOutcome(RetrainResult.NothingNew, version);
                }

                window = [.. kept.Where(r => r.CompletedAt >= since), .. fresh];
            }
            else
            {
                (window, watermark) = await ReadRecentAsync(since, cancellationToken);
                if (window.Count == 0 || watermark <= current?.Watermark)
                {
                    return new RetrainOutcome(RetrainResult.NothingNew, version);
                }
            }

            window = Bounded(window);
            (var start, unreadable) = await NewestReadableAsync(version, cancellationToken);
            List<PolicyTransition> transitions = [.. window.SelectMany(r => r.Transitions).TakeLast(options.MaxTransitions)];
            var examples = NewestRuns(window.Select(r => r.Examples).Where(r => r.Drafts.Count > 0), options.MaxExamples);
            heldOut = Score(start?.Acceptance, window.Where(r => current?.TrainedAt is not { } trained || r.CompletedAt > trained));
            var acceptance = examples.Count > 0 ? acceptanceTrainer.Train(examples) : start?.Acceptance;
            next = trainer.Train(start, transitions, version + 1).WithAcceptance(acceptance);
        }
        catch (Exception e) when (e is InvalidTransitionException or FormatException or ArgumentException)
        {
            // Bad data: keep the policy in service and say why where GET /api/policy shows it.
            await policies.RecordFailureAsync(e.Message, now, cancellationToken);
            return new RetrainOutcome(RetrainResult.Failed, version, Error: e.Message);
        }

        await policies.SaveTrainingBufferAsync(next.Version, TrainingBuffer.Serialize(window), cancellationToken);
        await policies.PublishAsync(
            next,
            new PublishedPolicy(next.Version, now, next.TrainedOnTransitions, next.TrainingLoss, watermark)
            {
                TrainedOnExamples = next.Acceptance?.TrainedOnExamples ?? 0,
                Calibration = heldOut.Predictions > 0 ? heldOut : null,
            },
            cancellationToken);
        return new RetrainOutcome(RetrainResult.Published, next.Version, next.TrainedOnTransitions, unreadable, next.Acceptance?.TrainedOnExamples ?? 0);
    }

    /// <summary>The runs <paramref name="version"/> was trained on, or null when there are none to be read (then the
    /// window is read from the store).</summary>
    private async Task<IReadOnlyList<RunTrainingData>?> KeptAsync(long version, CancellationToken cancellationToken)
    {
        try
        {
            return await policies.LoadTrainingBufferAsync(version, cancellationToken) is { } bytes ? TrainingBuffer.Deserialize(bytes) : null;
        }
        catch (PolicySnapshotFormatException)
        {
            return null;
        }
    }

    /// <summary>The newest runs of the oldest-first <paramref name="runs"/> that the caps let training use: those holding
    /// the newest <see cref="RetrainOptions.MaxTransitions"/> transitions, and those holding the newest
    /// <see cref="RetrainOptions.MaxExamples"/> judged drafts.</summary>
    private List<RunTrainingData> Bounded(List<RunTrainingData> runs)
    {
        int transitions = 0, drafts = 0, first = runs.Count;
        while (first > 0 && (transitions < options.MaxTransitions || drafts < options.MaxExamples))
        {
            first--;
            transitions += runs[first].Transitions.Count;
            drafts += runs[first].Examples.Drafts.Count;
        }

        return first == 0 ? runs : runs[first..];
    }

    /// <summary>The newest runs of the oldest-first <paramref name="runs"/> with at most <paramref name="maxDrafts"/> judged
    /// drafts in all (the newest run whatever its size), oldest first.</summary>
    private static List<RunExamples> NewestRuns(IEnumerable<RunExamples> runs, int maxDrafts)
    {
        var newest = new List<RunExamples>();
        var drafts = 0;
        foreach (var run in runs.Reverse())
        {
            if (newest.Count > 0 && drafts + run.Drafts.Count > maxDrafts)
            {
                break;
            }

            newest.Add(run);
            drafts += run.Drafts.Count;
        }

        newest.Reverse();
        return newest;
    }

    /// <summary>How well <paramref name="model"/> predicted the drafts of runs it was not trained on.</summary>
    private static Calibration Score(AcceptanceModel? model, IEnumerable<RunTrainingData> runs)
    {
        var calibration = new CalibrationBuilder();
        if (model is not null)
        {
            foreach (var run in runs)
            {
                foreach (var draft in run.Examples.Drafts)
                {
                    var state = new PolicyState(run.Examples.Task, [.. run.Examples.Plan.Take(draft.Position)], draft.RoundOffset, 0, 0, 0);
                    calibration.Add(model.Predict(state, draft.Draft), draft.Accepted);
                }
            }
        }

        return calibration.Build();
    }

    /// <summary>The newest snapshot from <paramref name="version"/> down that can be read (null: none, or no version
    /// yet), and what was wrong with the newer ones.</summary>
    private async Task<(PolicySnapshot? Snapshot, string? Unreadable)> NewestReadableAsync(long version, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        for (var v = version; v >= 1 && v > version - WarmStartLookBack; v--)
        {
            try
            {
                var snapshot = await policies.LoadAsync(v, cancellationToken);
                return (snapshot, problems.Count == 0 ? null : $"{string.Join("; ", problems)}; warm-started from v{v}.");
            }
            catch (PolicySnapshotFormatException e)
            {
                problems.Add($"snapshot v{v} could not be read ({e.Message})");
            }
        }

        return (null, problems.Count == 0 ? null : $"{string.Join("; ", problems)}; trained from fresh weights.");
    }

    /// <summary>
    /// The runs recorded since <paramref name="since"/>, oldest first (the store reads them in bounded batches), and
    /// the recording time of the newest.
    /// </summary>
    private async Task<(List<RunTrainingData> Runs, DateTimeOffset? Newest)> ReadRecentAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var runs = new List<RunTrainingData>();
        DateTimeOffset? newest = null;
        DateTimeOffset? mark = since;
        var batchRows = Math.Max(options.MaxTransitions, options.MaxExamples);
        while (true)
        {
            var batch = await training.ReadSinceAsync(mark, batchRows, cancellationToken);
            if (batch.Runs.Count == 0 || batch.Watermark == mark)
            {
                return (runs, newest);
            }

            runs.AddRange(batch.Runs);
            newest = mark = batch.Watermark;
        }
    }
}
