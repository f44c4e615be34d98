namespace Dsp.Core.Acceptance;

/// <summary>
/// What the runs before the first training show, for <see cref="AdaptivePolicy"/>'s cold start: the share of judged
/// drafts that were accepted and the calls' running averages. It lets the cold start follow the value of time (deep
/// where time is dear) before there is enough to train a model on.
/// </summary>
/// <param name="AcceptanceRate">Accepted drafts + 1 over judged drafts + 2 (a uniform prior on the rate).</param>
/// <param name="Statistics">The drafter's and the target's typical calls.</param>
public sealed record ColdStartEvidence(double AcceptanceRate, CallStatistics Statistics)
{
    /// <summary>The evidence of <paramref name="runs"/>; null when they judged no draft.</summary>
    public static ColdStartEvidence? From(IReadOnlyCollection<RunExamples> runs)
    {
        var judged = 0;
        var accepted = 0;
        foreach (var run in runs)
        {
            judged += run.Drafts.Count;
            accepted += run.Drafts.Count(draft => draft.Accepted);
        }

        return judged == 0 ? null : new ColdStartEvidence((accepted + 1.0) / (judged + 2.0), CallStatistics.From(runs));
    }
}
