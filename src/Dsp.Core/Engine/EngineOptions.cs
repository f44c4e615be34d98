namespace Dsp.Core.Engine;

/// <summary>Settings of one plan's <see cref="SpeculationEngine"/>.</summary>
public sealed record EngineOptions
{
    /// <summary>The plan ends after this many verified steps even without TERMINATE.</summary>
    public int MaxSteps { get; init; } = 50;

    /// <summary>
    /// Stop drafting beyond a drafted TERMINATE. Calls past it can never be used (an accepted TERMINATE ends the
    /// plan; a rejected one cancels them), so this saves their cost without changing latency or the plan. Off by
    /// default because DESIGN.md's timing contract chains drafts regardless of their text.
    /// </summary>
    public bool StopDraftingAtTerminate { get; init; }
}
