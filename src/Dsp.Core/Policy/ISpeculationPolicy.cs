namespace Dsp.Core.Policy;

/// <summary>
/// Decides how far a round's chain of drafts goes (DESIGN.md, "Timing semantics"): at the round's start, whether to
/// draft at all (no: the target alone, depth 0), and after each draft finishes, whether to start the next draft and
/// the target conditioned on it. Decisions see only what is known where the draft runs — the task, the prefix the
/// draft was conditioned on, the draft itself and what the round's earlier decisions carried — so that the trace
/// simulator and the Durable <c>Draft</c> activity decide alike.
/// </summary>
public interface ISpeculationPolicy
{
    /// <summary>Whether the round starting now drafts its first position.</summary>
    ChainDecision AtRoundStart(in RoundStartRequest request);

    /// <summary>Whether the chain goes on after the draft that just finished.</summary>
    ChainDecision AfterDraft(in DraftFinishedRequest request);
}

/// <summary>What a round's decisions carry along its chain, from one to the next.</summary>
/// <param name="Depth">For policies that fix the depth at the round's start: that depth.</param>
/// <param name="ChainAcceptance">The probability that every draft of the chain so far will be accepted (1 before
/// the first draft).</param>
public readonly record struct ChainMemo(int Depth, double ChainAcceptance)
{
    /// <summary>What a round starts with.</summary>
    public static ChainMemo Start { get; } = new(0, 1);
}

/// <summary>A policy's decision.</summary>
/// <param name="GoOn">Draft (at the round's start), or chain the next draft and target (after a draft).</param>
/// <param name="Memo">What the round's next decision needs to know.</param>
/// <param name="Acceptance">After a draft: the predicted probability that this draft will be accepted, when the policy
/// predicts one (for calibration reports); before the first draft: of the draft to come.</param>
public readonly record struct ChainDecision(bool GoOn, ChainMemo Memo, double? Acceptance = null);

/// <summary>What a policy knows when a round is about to start.</summary>
/// <param name="State">The task, the verified plan and the run's acceptance so far.</param>
/// <param name="Round">The round's number in the plan, from 0.</param>
public readonly record struct RoundStartRequest(PolicyState State, int Round);

/// <summary>What a policy knows when a draft has just finished.</summary>
/// <param name="State">The state at the draft's position: <see cref="PolicyState.History"/> is the prefix the draft
/// was conditioned on (the verified plan, then the round's earlier drafts), and the run's acceptance counts are those
/// at the round's start.</param>
/// <param name="Round">The round's number in the plan, from 0.</param>
/// <param name="Draft">The drafted step.</param>
/// <param name="DraftSeconds">How long the draft took.</param>
/// <param name="Memo">What the round's previous decision carried.</param>
public readonly record struct DraftFinishedRequest(PolicyState State, int Round, string Draft, double DraftSeconds, ChainMemo Memo)
{
    /// <summary>Drafts of the round started so far, this one included.</summary>
    public int DraftsStarted => State.DraftsInRound + 1;
}
