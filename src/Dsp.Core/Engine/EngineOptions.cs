namespace Dsp.Core.Engine;

/// <summary>Settings of one plan's <see cref="SpeculationEngine"/>.</summary>
public sealed record EngineOptions
{
    /// <summary>The plan ends after this many verified steps even without TERMINATE.</summary>
    public int MaxSteps { get; init; } = 50;

    /// <summary>
    /// Let the policy chain drafts past a drafted TERMINATE, as the first version of the timing contract did. Nothing
    /// conditioned on a drafted TERMINATE can ever be used (an accepted one ends the plan; a rejected one cancels what
    /// follows it), so this only adds cost; it exists to compare with figures measured before the contract changed.
    /// </summary>
    public bool DraftPastTerminate { get; init; }
}
