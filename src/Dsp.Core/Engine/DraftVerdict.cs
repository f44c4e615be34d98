namespace Dsp.Core.Engine;

/// <summary>How a verified position was decided.</summary>
public enum DraftVerdict : byte
{
    /// <summary>No draft ran for the position (a depth-0 round): the target decided alone.</summary>
    NotDrafted,

    /// <summary>The draft was accepted.</summary>
    Accepted,

    /// <summary>The draft was not accepted: wrong, failed, or slower than its target. The target's step was kept.</summary>
    Rejected,
}
