namespace Dsp.Core.Planning;

/// <summary>One model call of a plan, as it happened.</summary>
/// <param name="Role">Drafter or target.</param>
/// <param name="Position">The plan position the call proposes a step for.</param>
/// <param name="Round">The speculation round (0-based) that started the call.</param>
/// <param name="StartSeconds">When the call started, in seconds from the start of the plan.</param>
/// <param name="Usage">Tokens, latency and whether the call was cancelled.</param>
/// <param name="CostUsd">What the call cost.</param>
public sealed record CallRecord(AgentRole Role, int Position, int Round, double StartSeconds, CallUsage Usage, double CostUsd);
