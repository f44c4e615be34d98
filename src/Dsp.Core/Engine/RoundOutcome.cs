namespace Dsp.Core.Engine;

/// <summary>How a finished round went.</summary>
/// <param name="Index">The round's number in the plan, from 0.</param>
/// <param name="Start">The first position the round speculated on.</param>
/// <param name="Depth">The drafts the round started: how deep its chain went (0: the target alone).</param>
/// <param name="Verified">How many positions the round verified.</param>
/// <param name="AcceptedDrafts">How many of those were verified with an accepted draft.</param>
/// <param name="RejectedPosition">The round's first position whose draft was not accepted (the target's step was
/// kept there), or null when every draft of the round was accepted.</param>
public readonly record struct RoundOutcome(int Index, int Start, int Depth, int Verified, int AcceptedDrafts, int? RejectedPosition);
