using Dsp.Core.Planning;

namespace Dsp.Core.Agents;

/// <summary>
/// Plays one role of recorded traces: the recorded step and tokens of the position after its recorded latency
/// times <c>latencyScale</c> (reported as the call's latency), whatever
/// the prefix (as the simulator does). Cancellation stops the "stream" at once: the prompt and the completion
/// tokens produced so far, in proportion to the time elapsed, are billed.
/// </summary>
public sealed class ReplayAgent(TraceCatalog catalog, AgentRole role, double latencyScale, TimeProvider time) : IStepAgent
{
    public string Model => catalog.Traces.Count > 0
        ? role == AgentRole.Draft ? catalog.Traces[0].Models.Draft : catalog.Traces[0].Models.Target
        : "replay";

    public async Task<StepResult> ProposeAsync(StepRequest request, CancellationToken cancellation)
    {
        var trace = catalog.Resolve(request.Task, request.TraceId);
        if (request.Position >= trace.Steps.Count)
        {
            throw new AgentException($"Trace '{trace.Id}' has no step {request.Position + 1}.");
        }

        var recorded = role == AgentRole.Draft ? trace.Steps[request.Position].Draft : trace.Steps[request.Position].Target;
        var latency = TimeSpan.FromSeconds(recorded.LatencySeconds * latencyScale);
        var started = time.GetTimestamp();
        try
        {
            await Task.Delay(latency, time, cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            var elapsed = time.GetElapsedTime(started);
            var share = latency > TimeSpan.Zero ? Math.Min(1.0, elapsed / latency) : 1.0;
            return new StepResult(null, new CallUsage(
                recorded.PromptTokens, (int)(recorded.CompletionTokens * share), elapsed.TotalSeconds, Cancelled: true));
        }

        if (recorded.Failed)
        {
            throw new AgentException($"The recorded {role.ToString().ToLowerInvariant()} call for step {request.Position + 1} of '{trace.Id}' failed.");
        }

        return new StepResult(recorded.Text, new CallUsage(recorded.PromptTokens, recorded.CompletionTokens, latency.TotalSeconds));
    }
}
