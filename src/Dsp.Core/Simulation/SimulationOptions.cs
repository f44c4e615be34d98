using Dsp.Core.Costs;
using Dsp.Core.Judges;

namespace Dsp.Core.Simulation;

/// <summary>How the trace simulator prices and judges a replay.</summary>
public sealed record SimulationOptions
{
    public PriceTable Prices { get; init; } = PriceTable.BuiltIn;

    public CancelledCallBilling CancelledCallBilling { get; init; } = CancelledCallBilling.ProducedTokens;

    /// <summary>Judge every trace with this judge instead of the one the trace names.</summary>
    public IStepJudge? Judge { get; init; }

    /// <summary>See <see cref="Engine.EngineOptions.DraftPastTerminate"/>.</summary>
    public bool DraftPastTerminate { get; init; }

    /// <summary>Keep every call of a replay in <see cref="SimulatedPlan.Calls"/> (slower; for inspection and tests).</summary>
    public bool RecordCalls { get; init; }
}
