using Dsp.Core.Planning;

namespace Dsp.Core.Acceptance;

/// <summary>
/// What the acceptance model reads: count features — smoothed acceptance log-odds of the draft given ever coarser
/// contexts (this task and prefix; this task; the previous steps; the draft alone), and how often the target itself
/// took this step in the same context — plus a few plain features of the draft and the round. Counts are hashed
/// (<see cref="StableHash"/>) and kept in a <see cref="CountTable"/>; each feature is the log-odds of
/// (accepted + α·m) / (seen + α) relative to the overall rate m, so an unseen context contributes nothing.
/// </summary>
internal static class AcceptanceFeatures
{
    /// <summary>Features of a finished draft.</summary>
    public const int AfterDraft = 20;

    /// <summary>Features of a position before its draft exists (the round-start decision).</summary>
    public const int BeforeDraft = 8;

    /// <summary>Regimes of a finished draft (see <see cref="WriteAfterDraft"/>).</summary>
    public const int AfterDraftRegimes = 3;

    /// <summary>Regimes of a position before its draft (see <see cref="WriteBeforeDraft"/>).</summary>
    public const int BeforeDraftRegimes = 2;

    /// <summary>The prior's weight α in the smoothed rates.</summary>
    private const float Smoothing = 1f;

    private static readonly ulong Start = StableHash.OfText("\u0002start");

    // Key kinds, mixed into every key so that tables of different kinds share one dictionary.
    private const ulong Exact = 1, State = 2, TargetAtState = 3, Pair = 4, Triple = 5, Draft = 6, TaskDraft = 7,
        TaskPositionDraft = 8, PositionDraft = 9, TargetAfterPrevious = 10, TaskPrevious = 11, TargetAfterStep = 12,
        Previous = 13, TaskPosition = 14, Task = 15;

    /// <summary>The hashed context of a position: the task, the prefix and its last two steps.</summary>
    public readonly record struct Context(ulong Task, ulong Prefix, ulong Previous, ulong BeforePrevious, int Position)
    {
        public ulong PositionBucket => (ulong)Math.Min(Position, 12);
    }

    /// <summary>The context of a position after the steps hashed in <paramref name="prefix"/>.</summary>
    /// <param name="task">The task's hash.</param>
    /// <param name="prefix">The hashes of the steps before the position.</param>
    public static Context ContextOf(ulong task, ReadOnlySpan<ulong> prefix)
    {
        var hash = Start;
        ulong previous = Start, beforePrevious = Start;
        foreach (var step in prefix)
        {
            beforePrevious = previous;
            previous = step;
            hash = StableHash.Mix(hash, step);
        }

        return new Context(task, hash, previous, beforePrevious, prefix.Length);
    }

    /// <summary>
    /// Writes the features of <paramref name="draft"/> (hashed: <paramref name="draftHash"/>) in <paramref name="context"/>
    /// and returns its regime: 0 when this draft was judged in this context before, 1 when only the context was seen,
    /// 2 when neither was.
    /// </summary>
    public static int WriteAfterDraft(CountTable counts, float prior, in Context context, ulong draftHash, string draft, bool draftInPrefix, Span<double> x)
    {
        var c = context;
        var state = counts[StableHash.Mix(State, c.Task, c.Prefix)];
        var exact = counts[StableHash.Mix(Exact, c.Task, c.Prefix, draftHash)];
        var taken = counts[StableHash.Mix(TargetAtState, c.Task, c.Prefix, draftHash)];
        x[0] = 1;
        x[1] = Rate(exact, prior);
        x[2] = exact.Seen > 0 && exact.Accepted == exact.Seen ? Confidence(exact.Seen) : 0;
        x[3] = exact.Seen > 0 && exact.Accepted == 0 ? Confidence(exact.Seen) : 0;
        x[4] = Rate(state, prior);
        x[5] = Match(taken, state.Seen, prior);
        x[6] = taken.Seen > 0 && taken.Seen == state.Seen ? Confidence(taken.Seen) : 0;
        x[7] = state.Seen > 0 && taken.Seen == 0 ? Confidence(state.Seen) : 0;
        x[8] = Match(counts[StableHash.Mix(TargetAfterPrevious, c.Task, c.Previous, draftHash)], counts[StableHash.Mix(TaskPrevious, c.Task, c.Previous)].Seen, prior);
        x[9] = Match(counts[StableHash.Mix(TargetAfterStep, c.Previous, draftHash)], counts[StableHash.Mix(Previous, c.Previous)].Seen, prior);
        x[10] = Rate(counts[StableHash.Mix(Pair, c.Previous, draftHash)], prior);
        x[11] = Rate(counts[StableHash.Mix(Triple, c.BeforePrevious, c.Previous, draftHash)], prior);
        x[12] = Rate(counts[StableHash.Mix(Draft, draftHash)], prior);
        x[13] = Rate(counts[StableHash.Mix(TaskDraft, c.Task, draftHash)], prior);
        x[14] = Rate(counts[StableHash.Mix(TaskPositionDraft, c.Task, c.PositionBucket, draftHash)], prior);
        x[15] = Rate(counts[StableHash.Mix(PositionDraft, c.PositionBucket, draftHash)], prior);
        x[16] = PlanSteps.IsTerminate(draft) ? 1 : 0;
        x[17] = draftHash == c.Previous && c.Position > 0 ? 1 : 0;
        x[18] = draftInPrefix ? 1 : 0;
        x[19] = Math.Min(c.Position, 30) / 10.0;
        return exact.Seen > 0 ? 0 : state.Seen > 0 ? 1 : 2;
    }

    /// <summary>Writes the features of the position in <paramref name="context"/> before its draft exists and returns
    /// its regime: 0 when a draft was judged in this context before, else 1.</summary>
    public static int WriteBeforeDraft(CountTable counts, float prior, in Context context, Span<double> x)
    {
        var c = context;
        var state = counts[StableHash.Mix(State, c.Task, c.Prefix)];
        x[0] = 1;
        x[1] = Rate(state, prior);
        x[2] = state.Seen > 0 && state.Accepted == state.Seen ? Confidence(state.Seen) : 0;
        x[3] = state.Seen > 0 && state.Accepted == 0 ? Confidence(state.Seen) : 0;
        x[4] = Rate(counts[StableHash.Mix(TaskPosition, c.Task, c.PositionBucket)], prior);
        x[5] = Rate(counts[StableHash.Mix(Previous, c.Previous)], prior);
        x[6] = Rate(counts[StableHash.Mix(Task, c.Task)], prior);
        x[7] = Math.Min(c.Position, 30) / 10.0;
        return state.Seen > 0 ? 0 : 1;
    }

    /// <summary>Counts a judged draft, whose target took <paramref name="targetStep"/>.</summary>
    public static void Add(CountTable counts, in Context context, ulong draftHash, ulong targetStep, bool accepted)
    {
        var c = context;
        counts.Add(StableHash.Mix(Exact, c.Task, c.Prefix, draftHash), accepted);
        counts.Add(StableHash.Mix(State, c.Task, c.Prefix), accepted);
        counts.Add(StableHash.Mix(TargetAtState, c.Task, c.Prefix, targetStep), accepted);
        counts.Add(StableHash.Mix(TargetAfterPrevious, c.Task, c.Previous, targetStep), accepted);
        counts.Add(StableHash.Mix(TaskPrevious, c.Task, c.Previous), accepted);
        counts.Add(StableHash.Mix(TargetAfterStep, c.Previous, targetStep), accepted);
        counts.Add(StableHash.Mix(Previous, c.Previous), accepted);
        counts.Add(StableHash.Mix(Pair, c.Previous, draftHash), accepted);
        counts.Add(StableHash.Mix(Triple, c.BeforePrevious, c.Previous, draftHash), accepted);
        counts.Add(StableHash.Mix(Draft, draftHash), accepted);
        counts.Add(StableHash.Mix(TaskDraft, c.Task, draftHash), accepted);
        counts.Add(StableHash.Mix(TaskPositionDraft, c.Task, c.PositionBucket, draftHash), accepted);
        counts.Add(StableHash.Mix(PositionDraft, c.PositionBucket, draftHash), accepted);
        counts.Add(StableHash.Mix(TaskPosition, c.Task, c.PositionBucket), accepted);
        counts.Add(StableHash.Mix(Task, c.Task), accepted);
    }

    public static float Logit(float p) => MathF.Log(p / (1 - p));

    /// <summary>How much a unanimous tally of <paramref name="seen"/> observations says: log₂(1 + seen), so that
    /// each doubling of the evidence adds the same weight.</summary>
    private static double Confidence(float seen) => Math.Log2(1 + seen);

    /// <summary>The smoothed acceptance rate of a context, as log-odds relative to the prior's.</summary>
    private static double Rate(Tally tally, float prior) =>
        tally.Seen == 0 ? 0 : Logit((tally.Accepted + (Smoothing * prior)) / (tally.Seen + Smoothing)) - Logit(prior);

    /// <summary>How often the target took the drafted step in a context seen <paramref name="visits"/> times, as
    /// smoothed log-odds relative to the prior.</summary>
    private static double Match(Tally taken, float visits, float prior) =>
        visits == 0 ? 0 : Logit((taken.Seen + (Smoothing * prior)) / (visits + Smoothing)) - Logit(prior);
}
