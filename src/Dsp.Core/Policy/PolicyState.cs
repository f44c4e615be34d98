using Dsp.Core.Engine;

namespace Dsp.Core.Policy;

/// <summary>
/// What the depth policy sees at a decision point: the task, the steps before the position (the verified plan,
/// then the current round's drafts), and the run's record of accepted drafts so far.
/// </summary>
/// <param name="Task">The user's task.</param>
/// <param name="History">The steps before the position: verified steps, then <paramref name="DraftsInRound"/> drafts
/// of the current round that precede it.</param>
/// <param name="DraftsInRound">How many of the last <paramref name="History"/> steps are unverified drafts of the
/// current round (0 at the start of a round).</param>
/// <param name="AcceptedDrafts">Drafts accepted so far in the run (before the round).</param>
/// <param name="RejectedDrafts">Drafts rejected so far in the run (before the round).</param>
/// <param name="AcceptedStreak">Drafts accepted in a row since the last rejection (before the round).</param>
public sealed record PolicyState(
    string Task,
    IReadOnlyList<string> History,
    int DraftsInRound,
    int AcceptedDrafts,
    int RejectedDrafts,
    int AcceptedStreak)
{
    /// <summary>The plan position the decision is for.</summary>
    public int Position => History.Count;

    /// <summary>The state at the start of the engine's next round (it shares the engine's verified list).</summary>
    public static PolicyState AtRoundStart(string task, SpeculationEngine engine) =>
        new(task, engine.Verified, 0, engine.AcceptedDrafts, engine.RejectedDrafts, engine.AcceptedStreak);
}
