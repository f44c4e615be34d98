using Dsp.Core.Planning;
using Dsp.Core.Simulation;
using Dsp.Core.Traces;

namespace Dsp.Core.Acceptance;

/// <summary>
/// The prior: an acceptance model trained on recorded traces, so that a new deployment (and <c>dsp plan</c>) does not
/// start blind. Each trace is replayed once, in order, drafting one position per round — every draft judged on its
/// correct prefix, as a deployment that always drafts would record it — and the model is trained on those judged
/// drafts. Deterministic: the same traces give the same bytes.
/// </summary>
public static class AcceptancePrior
{
    /// <summary>Trains the prior on <paramref name="traces"/>, leaving out those of <paramref name="excludedTask"/>
    /// (trimmed, case-insensitive), so that a plan of that task is not helped by having seen it.</summary>
    /// <exception cref="ArgumentException">No trace is left to train on.</exception>
    public static AcceptanceModel Train(IEnumerable<AgentTrace> traces, SimulationOptions simulation, string? excludedTask = null)
    {
        var simulator = new TraceSimulator(simulation with { RecordCalls = false });
        var oneDraft = new FixedDepthPolicy(1);
        var runs = new List<RunExamples>();
        foreach (var trace in traces.Where(t => excludedTask is null || !SameTask(t.Task, excludedTask)))
        {
            var plan = simulator.Run(trace, oneDraft.ForTrace(trace));
            runs.Add(RunExamples.From(trace.Id, trace.Task, plan.Plan, plan.JudgedDrafts, judged => Usage(trace, judged.Position)));
        }

        return runs.Sum(r => r.Drafts.Count) > 0
            ? new AcceptanceTrainer().Train(runs)
            : throw new ArgumentException("No recorded draft is left to train the prior on.", nameof(traces));
    }

    /// <summary>Whether two task texts are the same task (as the model's hashes see them).</summary>
    public static bool SameTask(string a, string b) => StableHash.OfText(a) == StableHash.OfText(b);

    /// <summary>What the recorded draft and target calls of a position consumed.</summary>
    public static (CallUsage Draft, CallUsage Target) Usage(AgentTrace trace, int position)
    {
        var (draft, target) = (trace.Steps[position].Draft, trace.Steps[position].Target);
        return (new CallUsage(draft.PromptTokens, draft.CompletionTokens, draft.LatencySeconds),
            new CallUsage(target.PromptTokens, target.CompletionTokens, target.LatencySeconds));
    }
}
