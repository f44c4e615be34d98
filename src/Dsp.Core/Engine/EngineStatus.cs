namespace Dsp.Core.Engine;

/// <summary>Where a plan stands.</summary>
public enum EngineStatus
{
    /// <summary>Between rounds: the driver asks its policy whether to draft and calls <see cref="SpeculationEngine.BeginRound"/>.</summary>
    AwaitingRound,

    /// <summary>A round is in flight: the driver reports finished and failed calls.</summary>
    Running,

    /// <summary>The plan is finished.</summary>
    Completed,

    /// <summary>The plan failed or was stopped.</summary>
    Failed,
}
