using Dsp.Core.Planning;
using Dsp.Core.Runs;

namespace Dsp.Core.Agents;

/// <summary>An agent that proposes one plan step: a drafter or a target.</summary>
public interface IStepAgent
{
    /// <summary>The model behind the agent, for pricing.</summary>
    string Model { get; }

    /// <summary>
    /// Proposes the step at <see cref="StepRequest.Position"/>. Cancellation is cooperative: when
    /// <paramref name="cancellation"/> fires, the agent stops at once and returns what it consumed, with no step and
    /// <see cref="CallUsage.Cancelled"/> set — it does not throw.
    /// </summary>
    /// <exception cref="AgentException">The call failed (after the agent's own retries).</exception>
    Task<StepResult> ProposeAsync(StepRequest request, CancellationToken cancellation);
}

/// <summary>What an agent is asked.</summary>
/// <param name="RunId">The plan's run.</param>
/// <param name="Call">Which call this is.</param>
/// <param name="Task">The user's task.</param>
/// <param name="Prefix">The steps the call is conditioned on.</param>
/// <param name="TraceId">For replay agents: the recorded trace to play (else the trace of the task).</param>
public sealed record StepRequest(string RunId, CallKey Call, string Task, IReadOnlyList<string> Prefix, string? TraceId = null)
{
    public int Position => Call.Position;
}

/// <summary>An agent's answer: the step (null when cancelled) and what the call consumed.</summary>
public sealed record StepResult(string? Step, CallUsage Usage);

/// <summary>A call that failed for good, with its cause.</summary>
public sealed class AgentException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Transient failures the agent retried after before it gave up (as <see cref="CallUsage.Retries"/>).</summary>
    public int Retries { get; init; }
}
