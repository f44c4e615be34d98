using Dsp.Core.Planning;
using Dsp.Core.Policy;
using Dsp.Core.Runs;

namespace Dsp.Functions.Planning;

/// <summary>A validated plan request: the orchestration's input.</summary>
/// <param name="Task">The user's task.</param>
/// <param name="Tradeoff">τ, the latency↔cost knob in (0, 1).</param>
/// <param name="Offset">β, added to the predicted depth.</param>
/// <param name="MaxSteps">The plan ends after this many steps.</param>
/// <param name="Judge">The step judge's name.</param>
/// <param name="Agents">The agent profile's name.</param>
/// <param name="TraceId">For replay profiles: the recorded trace to play.</param>
public sealed record PlanInput(string Task, float Tradeoff, int Offset, int MaxSteps, string Judge, string Agents, string? TraceId = null);

/// <summary>PredictDepth's input: the state at the start of a round, and the request's knob.</summary>
public sealed record DepthInput(PolicyState State, int Round, float Tradeoff, int Offset);

/// <summary>PredictDepth's answer.</summary>
/// <param name="Depth">The round's depth.</param>
/// <param name="PolicyVersion">The snapshot version that predicted it (null: cold start).</param>
public sealed record DepthDecision(int Depth, long? PolicyVersion);

/// <summary>Draft's and Target's input: one call of the plan.</summary>
public sealed record CallInput(string RunId, CallKey Call, string Task, IReadOnlyList<string> Prefix, string Agents, string? TraceId);

/// <summary>Draft's and Target's answer.</summary>
/// <param name="Step">The proposed step (null when cancelled or failed).</param>
/// <param name="Usage">What the call consumed (all zero if it never called the model).</param>
/// <param name="CostUsd">What that cost at the profile's prices.</param>
/// <param name="Error">Why the call failed, if it did.</param>
public sealed record CallOutcome(string? Step, CallUsage Usage, double CostUsd, string? Error = null);

/// <summary>CancelBranches' input.</summary>
public sealed record CancelInput(string RunId, IReadOnlyList<CallKey> Calls);

/// <summary>RecordRun's input: the run's summary and its transitions for training.</summary>
public sealed record RecordInput(RunRecord Run, IReadOnlyList<PolicyTransition> Transitions);

/// <summary>The orchestration's custom status while it plans (kept small: the 16 KB limit).</summary>
/// <param name="Verified">The verified steps so far (long steps shortened).</param>
/// <param name="Round">The round in flight.</param>
/// <param name="Depth">Its depth.</param>
/// <param name="CostUsd">Cost of the calls finished so far.</param>
/// <param name="InFlight">The calls the plan waits on.</param>
/// <param name="NextEventAt">When the first of them is expected to finish (see <see cref="NextEventEstimate"/>); null
/// while none of the plan's calls has finished yet.</param>
public sealed record PlanProgress(
    IReadOnlyList<string> Verified, int Round, int Depth, double CostUsd, IReadOnlyList<CallKey> InFlight, DateTimeOffset? NextEventAt = null)
{
    /// <summary>How many calls the plan waits on.</summary>
    public int RunningCalls => InFlight.Count;
}

/// <summary>The orchestration's output.</summary>
/// <param name="Outcome">Completed, Failed or Stopped.</param>
/// <param name="Plan">The verified plan.</param>
/// <param name="Depths">The depth of each round.</param>
/// <param name="Run">The run's metrics.</param>
/// <param name="Calls">Every model call the plan started, in the order they ended or were cancelled.</param>
/// <param name="Error">Why the plan failed or was stopped.</param>
/// <param name="RecordError">Why the run (its summary and transitions) could not be stored, after retries; null
/// when it was.</param>
public sealed record PlanResult(
    string Outcome, IReadOnlyList<string> Plan, IReadOnlyList<int> Depths, RunRecord Run, IReadOnlyList<PlanCall> Calls, string? Error, string? RecordError = null);

/// <summary>One model call of a plan and what it consumed.</summary>
/// <param name="Call">Which call.</param>
/// <param name="Usage">What it consumed.</param>
/// <param name="CostUsd">What that cost.</param>
/// <param name="Step">The step it proposed (null when cancelled or failed).</param>
/// <param name="Error">Why it failed, if it did.</param>
public sealed record PlanCall(CallKey Call, CallUsage Usage, double CostUsd, string? Step = null, string? Error = null);

/// <summary>The outcomes a plan can end with.</summary>
public static class PlanOutcomes
{
    public const string Completed = nameof(Completed);
    public const string Failed = nameof(Failed);
    public const string Stopped = nameof(Stopped);
}
