using Dsp.Agents;
using Dsp.Core.Agents;
using Dsp.Core.Planning;
using Dsp.Core.Traces;

namespace Dsp.Functions.Planning;

/// <summary>
/// Turns a finished plan into a <c>dsp-trace/1</c> trace, so that a live run becomes a replayable benchmark. For
/// each verified position it keeps the calls of the round that verified it — the target call whose step was kept,
/// and the draft of that round (conditioned on the same, correct prefix). A draft that did not finish there
/// (cancelled, failed, or never started at depth 0) is recorded as failed with what it consumed.
/// </summary>
public static class PlanTraces
{
    /// <summary>The trace of a plan.</summary>
    /// <param name="id">The trace's id (e.g. the run id).</param>
    /// <param name="input">The plan's request.</param>
    /// <param name="result">The plan's result.</param>
    /// <param name="profile">The agents that planned it (for their models and strategies).</param>
    /// <param name="benchmark">The benchmark the task comes from, if any.</param>
    public static AgentTrace FromResult(string id, PlanInput input, PlanResult result, AgentProfile profile, string? benchmark = null)
    {
        if (result.Plan.Count == 0)
        {
            throw new InvalidOperationException($"Plan {id} has no verified step to record ({result.Outcome}: {result.Error}).");
        }

        var steps = new List<TraceStep>();
        for (var position = 0; position < result.Plan.Count; position++)
        {
            var verified = result.Plan[position];
            var target = result.Calls
                .Where(c => c.Call.Role == AgentRole.Target && c.Call.Position == position && !c.Usage.Cancelled
                    && string.Equals(c.Step, verified, StringComparison.Ordinal))
                .MaxBy(c => c.Call.Round)
                ?? throw new InvalidOperationException($"Plan {id} has no target call that produced step {position + 1}.");
            var draft = result.Calls.FirstOrDefault(c => c.Call.Role == AgentRole.Draft && c.Call.Position == position && c.Call.Round == target.Call.Round);
            steps.Add(new TraceStep(ToTraceCall(draft), ToTraceCall(target)));
        }

        return new AgentTrace
        {
            Id = id,
            Benchmark = benchmark,
            Task = input.Task,
            Models = new TraceModels(profile.Draft.Model, profile.Target.Model, StrategyOf(profile.Draft), StrategyOf(profile.Target)),
            Judge = input.Judge,
            Recorded = new RecordedRun(result.Run.LatencySeconds, result.Depths),
            Steps = steps,
        };
    }

    private static TraceCall ToTraceCall(PlanCall? call) => call switch
    {
        null => new TraceCall(string.Empty, 0, 0, 0, Failed: true),
        { Step: { } step, Usage.Cancelled: false } => new TraceCall(step, call.Usage.PromptTokens, call.Usage.CompletionTokens, call.Usage.LatencySeconds),
        _ => new TraceCall(string.Empty, call.Usage.PromptTokens, call.Usage.CompletionTokens, call.Usage.LatencySeconds, Failed: true),
    };

    private static string? StrategyOf(IStepAgent agent) => agent is ChatStepAgent chat ? chat.Strategy : null;
}
