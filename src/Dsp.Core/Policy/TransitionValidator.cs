namespace Dsp.Core.Policy;

/// <summary>Checks that a batch of transitions is consistent before it is trained on.</summary>
public static class TransitionValidator
{
    /// <summary>Throws <see cref="InvalidTransitionException"/> naming the first transition that cannot be right.</summary>
    public static void Validate(IReadOnlyList<PolicyTransition> transitions)
    {
        for (var i = 0; i < transitions.Count; i++)
        {
            var t = transitions[i];
            var problem =
                t.Reward is not (0f or 1f) ? $"reward {t.Reward} is neither 0 nor 1"
                : t.Label < 1 ? $"label {t.Label} is below 1"
                : t.EndsSegment && t.Label != 1 ? $"label {t.Label} ends a segment, which only label 1 can"
                : !t.EndsSegment && t.Reward == 0f ? "a rejected draft (reward 0) must end its segment"
                : !t.EndsSegment && i + 1 == transitions.Count ? "the last transition does not end its segment"
                : !t.EndsSegment && transitions[i + 1].Label != t.Label - 1 ? $"label {t.Label} is not followed by label {t.Label - 1}"
                : !t.EndsSegment && transitions[i + 1].RunId != t.RunId ? "a segment continues into another run"
                : t.State.DraftsInRound < 0 || t.State.DraftsInRound > t.State.History.Count ? "drafts in round exceed the history"
                : t.State.AcceptedDrafts < 0 || t.State.RejectedDrafts < 0 ? "a count of accepted or rejected drafts is negative"
                : t.State.AcceptedStreak < 0 || t.State.AcceptedStreak > t.State.AcceptedDrafts ? $"an accepted streak of {t.State.AcceptedStreak} with {t.State.AcceptedDrafts} drafts accepted"
                : null;
            if (problem is not null)
            {
                throw new InvalidTransitionException(i, t.RunId, problem);
            }
        }
    }
}

/// <summary>A transition that cannot have come from a real run.</summary>
public sealed class InvalidTransitionException(int index, string runId, string problem)
    : Exception($"Transition {index + 1} (run '{runId}'): {problem}.")
{
    /// <summary>The transition's 0-based index in its batch.</summary>
    public int Index { get; } = index;

    /// <summary>The run the transition belongs to.</summary>
    public string RunId { get; } = runId;

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; } = problem;
}
