namespace Dsp.Core.Costs;

/// <summary>How a provider bills the completion of a call that was cancelled mid-answer.</summary>
public enum CancelledCallBilling
{
    /// <summary>Streamed calls stop generating when cancelled: only the tokens produced so far are billed.</summary>
    ProducedTokens,

    /// <summary>The provider finishes (and bills) the whole completion even when the client stops listening.</summary>
    FullCompletion,
}
