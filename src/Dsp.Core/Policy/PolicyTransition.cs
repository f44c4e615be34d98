namespace Dsp.Core.Policy;

/// <summary>
/// One drafted position of a run, as the value model learns from it (the paper's decoupled collection).
/// Transitions of a segment — the drafted positions since the previous mismatch — are consecutive; the last one
/// ends the segment.
/// </summary>
/// <param name="RunId">The run the transition came from.</param>
/// <param name="State">The state when the position was speculated on.</param>
/// <param name="Reward">1 if the position's draft was accepted, else 0.</param>
/// <param name="Label">Positions from this one through the end of its segment (the mismatch, or the last drafted
/// position): the depth that would have speculated exactly far enough from here.</param>
/// <param name="EndsSegment">Whether this is the segment's last transition (its successor is not the next one).</param>
public sealed record PolicyTransition(string RunId, PolicyState State, float Reward, int Label, bool EndsSegment);
