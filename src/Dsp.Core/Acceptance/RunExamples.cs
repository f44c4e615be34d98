using Dsp.Core.Engine;
using Dsp.Core.Planning;

namespace Dsp.Core.Acceptance;

/// <summary>One judged draft of a run, with the usage of its draft and target calls.</summary>
/// <param name="Position">The plan position it proposed a step for; the run's verified plan before it is its prefix.</param>
/// <param name="RoundOffset">How many drafts of its round came before it.</param>
/// <param name="Draft">The drafted step.</param>
/// <param name="Accepted">Whether it was accepted.</param>
/// <param name="DraftUsage">What the draft call consumed.</param>
/// <param name="TargetUsage">What the target call for the same position consumed.</param>
public readonly record struct DraftRecord(int Position, int RoundOffset, string Draft, bool Accepted, CallUsage DraftUsage, CallUsage TargetUsage);

/// <summary>
/// A finished run's labelled examples for the acceptance model: every draft judged on a correct prefix. Kept compact —
/// the task and the verified plan once, each draft's prefix being the plan before its position — so that a run of
/// long steps does not repeat them per example.
/// </summary>
/// <param name="RunId">The run.</param>
/// <param name="Task">The user's task.</param>
/// <param name="Plan">The run's verified plan; position i's step is the target's step there.</param>
/// <param name="Drafts">The judged drafts, in plan order.</param>
public sealed record RunExamples(string RunId, string Task, IReadOnlyList<string> Plan, IReadOnlyList<DraftRecord> Drafts)
{
    /// <summary>The examples of a plan from its engine's judged drafts and each position's draft and target usage.</summary>
    public static RunExamples From(
        string runId, string task, IReadOnlyList<string> plan, IReadOnlyList<JudgedDraft> judged, Func<JudgedDraft, (CallUsage Draft, CallUsage Target)> usage)
    {
        var drafts = new DraftRecord[judged.Count];
        for (var i = 0; i < judged.Count; i++)
        {
            var draft = judged[i];
            var (draftUsage, targetUsage) = usage(draft);
            drafts[i] = new DraftRecord(draft.Position, draft.RoundOffset, draft.Draft, draft.Accepted, draftUsage, targetUsage);
        }

        return new RunExamples(runId, task, plan, drafts);
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming what is inconsistent.</summary>
    public RunExamples Validated()
    {
        var previous = -1;
        foreach (var draft in Drafts)
        {
            if (draft.Position <= previous || draft.Position >= Plan.Count)
            {
                throw new ArgumentException(
                    $"Run '{RunId}': a judged draft at position {draft.Position} is out of order or beyond the plan's {Plan.Count} steps.");
            }

            if (draft.RoundOffset < 0 || draft.RoundOffset > draft.Position)
            {
                throw new ArgumentException($"Run '{RunId}': the draft at position {draft.Position} has round offset {draft.RoundOffset}.");
            }

            previous = draft.Position;
        }

        return this;
    }
}
