namespace Dsp.Core.Planning;

/// <summary>What one model call consumed.</summary>
/// <param name="PromptTokens">Tokens sent to the model.</param>
/// <param name="CompletionTokens">Tokens billed for the answer: all of it, or for a cancelled call those produced
/// before the cancellation (or all of them where the provider bills the full completion).</param>
/// <param name="LatencySeconds">Wall-clock seconds from start until the call finished or was cancelled.</param>
/// <param name="Cancelled">Whether the call was stopped before it finished.</param>
/// <param name="Retries">Transient failures (429, 5xx, attempt timeouts, dropped connections) the agent retried
/// after; not billed.</param>
public readonly record struct CallUsage(int PromptTokens, int CompletionTokens, double LatencySeconds, bool Cancelled = false, int Retries = 0);
