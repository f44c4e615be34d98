namespace Dsp.Core.Engine;

/// <summary>What the engine asks its driver to do, or tells it happened.</summary>
public enum EngineCommandKind
{
    /// <summary>Start the drafter for the position, conditioned on <see cref="SpeculationEngine.PrefixFor"/>.</summary>
    StartDraft,

    /// <summary>Start the target for the position, conditioned on <see cref="SpeculationEngine.PrefixFor"/>.</summary>
    StartTarget,

    /// <summary>Stop the running draft call of the position: its result can no longer be used.</summary>
    CancelDraft,

    /// <summary>Stop the running target call of the position: its result can no longer be used.</summary>
    CancelTarget,

    /// <summary>The position is verified with the drafted step, which the target confirmed.</summary>
    DraftAccepted,

    /// <summary>The position is verified with the target's step (the draft was rejected, missing or not run).</summary>
    TargetKept,

    /// <summary>The round is over; the engine waits for the next round (<see cref="SpeculationEngine.BeginRound"/>).</summary>
    RoundEnded,

    /// <summary>The plan is finished: TERMINATE was verified or the maximum step count was reached.</summary>
    Completed,

    /// <summary>The plan failed: a target call that the plan needed failed (see <see cref="SpeculationEngine.FailureReason"/>).</summary>
    Failed,
}

/// <summary>One instruction or notice from <see cref="SpeculationEngine"/>.</summary>
/// <param name="Kind">What to do, or what happened.</param>
/// <param name="Position">The plan position it concerns (for round and plan notices: the next unverified position).</param>
public readonly record struct EngineCommand(EngineCommandKind Kind, int Position);
