using Dsp.Core.Engine;

namespace Dsp.Core.Policy;

/// <summary>Builds a finished run's transitions from its verified plan, verdicts and rounds.</summary>
public static class TransitionBuilder
{
    /// <summary>
    /// One transition per drafted position, in order. A segment ends at a rejected draft (reward 0), before a
    /// position that was not drafted, and at the end of the plan.
    /// </summary>
    public static IReadOnlyList<PolicyTransition> Build(
        string runId,
        string task,
        IReadOnlyList<string> plan,
        IReadOnlyList<DraftVerdict> verdicts,
        IReadOnlyList<RoundOutcome> rounds)
    {
        if (verdicts.Count != plan.Count)
        {
            throw new ArgumentException($"The plan has {plan.Count} steps but {verdicts.Count} verdicts.", nameof(verdicts));
        }

        var transitions = new List<PolicyTransition>(plan.Count);
        var segment = new List<(PolicyState State, float Reward)>();
        var accepted = 0;
        var rejected = 0;
        var streak = 0;
        foreach (var round in rounds)
        {
            // Counts as of the start of the round, when the depth was chosen.
            var (roundAccepted, roundRejected, roundStreak) = (accepted, rejected, streak);
            for (var position = round.Start; position < round.Start + round.Verified; position++)
            {
                var verdict = verdicts[position];
                if (verdict == DraftVerdict.NotDrafted)
                {
                    Close(runId, segment, transitions);
                    continue;
                }

                var history = plan.Take(position).ToArray();
                segment.Add((new PolicyState(task, history, position - round.Start, roundAccepted, roundRejected, roundStreak),
                    verdict == DraftVerdict.Accepted ? 1f : 0f));
                if (verdict == DraftVerdict.Accepted)
                {
                    accepted++;
                    streak++;
                }
                else
                {
                    rejected++;
                    streak = 0;
                    Close(runId, segment, transitions);
                }
            }
        }

        Close(runId, segment, transitions);
        return transitions;
    }

    private static void Close(string runId, List<(PolicyState State, float Reward)> segment, List<PolicyTransition> transitions)
    {
        for (var i = 0; i < segment.Count; i++)
        {
            transitions.Add(new PolicyTransition(runId, segment[i].State, segment[i].Reward, segment.Count - i, i == segment.Count - 1));
        }

        segment.Clear();
    }
}
