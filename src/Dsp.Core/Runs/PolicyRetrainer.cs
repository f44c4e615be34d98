using Dsp.Core.Policy;

namespace Dsp.Core.Runs;

/// <summary>Settings of <see cref="PolicyRetrainer"/>.</summary>
public sealed record RetrainOptions
{
    /// <summary>Train on the transitions recorded within this window (the newest up to <see cref="MaxTransitions"/>).</summary>
    public TimeSpan TrainingWindow { get; init; } = TimeSpan.FromDays(30);

    public int MaxTransitions { get; init; } = 100_000;

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
public sealed record RetrainOutcome(RetrainResult Result, long Version, int Transitions = 0, string? Error = null);

/// <summary>
/// One retraining, as the timer runs it: under an exclusive lease, when transitions were recorded since the last
/// training, trains on the newest transitions of the window (new and older ones: a replay buffer, as the
/// simulator's online learning keeps) warm-started from the policy in service, and publishes the next version.
/// A failure leaves the published policy as it was and is recorded where <c>GET /api/policy</c> shows it. A snapshot in
/// service that cannot be read (which the planners have refused, keeping the one before) does not stop training for
/// good: training warm-starts from the newest earlier snapshot that reads, or from fresh weights, and publishes the
/// next version over it.
/// </summary>
public sealed class PolicyRetrainer(
    ITransitionStore transitions,
    IPolicyStore policies,
    PolicyTrainer trainer,
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
        try
        {
            (var window, watermark) = await ReadRecentAsync(now - options.TrainingWindow, cancellationToken);
            if (window.Count == 0 || watermark <= current?.Watermark)
            {
                return new RetrainOutcome(RetrainResult.NothingNew, version);
            }

            (var start, unreadable) = await NewestReadableAsync(version, cancellationToken);
            next = trainer.Train(start, window, version + 1);
        }
        catch (Exception e) when (e is InvalidTransitionException or FormatException or ArgumentException)
        {
            // Bad data: keep the policy in service and say why where GET /api/policy shows it.
            await policies.RecordFailureAsync(e.Message, now, cancellationToken);
            return new RetrainOutcome(RetrainResult.Failed, version, Error: e.Message);
        }

        await policies.PublishAsync(
            next,
            new PublishedPolicy(next.Version, now, next.TrainedOnTransitions, next.TrainingLoss, watermark),
            cancellationToken);
        return new RetrainOutcome(RetrainResult.Published, next.Version, next.TrainedOnTransitions, unreadable);
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
    /// The newest transitions recorded since <paramref name="since"/>, at most <see cref="RetrainOptions.MaxTransitions"/>
    /// of them (the store reads oldest first, in bounded batches), and the recording time of the newest.
    /// </summary>
    private async Task<(List<PolicyTransition> Transitions, DateTimeOffset? Newest)> ReadRecentAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var recent = new List<PolicyTransition>();
        DateTimeOffset? newest = null;
        DateTimeOffset? mark = since;
        while (true)
        {
            var batch = await transitions.ReadSinceAsync(mark, options.MaxTransitions, cancellationToken);
            if (batch.Transitions.Count == 0 || batch.Watermark == mark)
            {
                return (recent, newest);
            }

            recent.AddRange(batch.Transitions);
            if (recent.Count > options.MaxTransitions)
            {
                recent.RemoveRange(0, recent.Count - options.MaxTransitions);
            }

            newest = mark = batch.Watermark;
        }
    }
}
