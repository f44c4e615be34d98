using System.Text.Json.Serialization;
using Dsp.Core.Planning;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Dsp.Functions.Policy;

namespace Dsp.Functions.Planning;

/// <summary>A validated plan request: the orchestration's input.</summary>
/// <param name="Task">The user's task.</param>
/// <param name="Tradeoff">τ, the latency↔cost knob in (0, 1) of the <c>dsp</c> policy.</param>
/// <param name="Offset">β, added to the <c>dsp</c> policy's predicted depth.</param>
/// <param name="MaxSteps">The plan ends after this many steps.</param>
/// <param name="Judge">The step judge's name.</param>
/// <param name="Agents">The agent profile's name.</param>
/// <param name="TraceId">For replay profiles: the recorded trace to play.</param>
/// <param name="Policy">The policy deciding how far to speculate (<see cref="PolicyNames"/>).</param>
/// <param name="ValueOfTime">The <c>adaptive</c> policy's knob: dollars per second of plan latency saved.</param>
/// <param name="Limits">How much of the plan one orchestration execution holds before it continues as new (null: the
/// defaults). Not part of an HTTP request: a host's setting, fixed in the plan's input so that replays agree.</param>
/// <param name="Continuation">Null when the plan starts; then what the previous execution handed on.</param>
public sealed record PlanInput(
    string Task,
    float Tradeoff,
    int Offset,
    int MaxSteps,
    string Judge,
    string Agents,
    string? TraceId = null,
    string Policy = PolicyNames.Adaptive,
    double ValueOfTime = PolicyOptions.DefaultValueOfTime,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ExecutionLimits? Limits = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PlanContinuation? Continuation = null)
{
    /// <summary>The plan as it was requested, whichever execution runs it.</summary>
    public PlanInput AsRequested() => this with { Continuation = null };
}

/// <summary>What the <c>Draft</c> activity needs to decide whether the chain goes on after its draft (and, for a
/// round's first draft, whether to draft at all).</summary>
/// <param name="Policy">The plan's policy.</param>
/// <param name="ValueOfTime">The <c>adaptive</c> policy's knob.</param>
/// <param name="Tradeoff">The <c>dsp</c> policy's τ.</param>
/// <param name="Offset">The <c>dsp</c> policy's β.</param>
/// <param name="Round">The round, from 0.</param>
/// <param name="DraftsInRound">The round's drafts before this one (0: the round's first draft).</param>
/// <param name="AcceptedDrafts">Drafts accepted in the plan before the round.</param>
/// <param name="RejectedDrafts">Drafts rejected in the plan before the round.</param>
/// <param name="AcceptedStreak">Drafts accepted in a row before the round.</param>
/// <param name="Memo">What the round's previous decision carried.</param>
public sealed record DraftPolicyInput(
    string Policy, double ValueOfTime, float Tradeoff, int Offset, int Round, int DraftsInRound, int AcceptedDrafts, int RejectedDrafts, int AcceptedStreak, ChainMemo Memo);

/// <summary>Draft's and Target's input: one call of the plan.</summary>
/// <param name="RunId">The plan.</param>
/// <param name="Call">Which call.</param>
/// <param name="Context">The task and the steps the call is conditioned on, the long-lived part by reference.</param>
/// <param name="Agents">The agent profile.</param>
/// <param name="TraceId">For replay profiles: the recorded trace.</param>
/// <param name="Speculation">For a draft: what its decision needs.</param>
/// <param name="Attempt">Which attempt at the call this is (see <see cref="CallAttempt"/>).</param>
public sealed record CallInput(
    string RunId, CallKey Call, PlanContextRef Context, string Agents, string? TraceId, DraftPolicyInput? Speculation = null, int Attempt = 0)
{
    /// <summary>The attempt this input makes (a method, so that it is not serialized with the input).</summary>
    public CallAttempt MadeAttempt() => new(Call, Attempt);
}

/// <summary>The decision a <c>Draft</c> activity took with its draft.</summary>
/// <param name="GoOn">Chain the next draft and target on this draft.</param>
/// <param name="Memo">What the round's next decision needs.</param>
/// <param name="PolicyVersion">The snapshot version that decided (0: the prior; null: no trained policy yet).</param>
/// <param name="Skipped">The policy chose not to draft the round's first position: nothing was called.</param>
/// <param name="Acceptance">The predicted probability that this draft will be accepted, when the policy predicts one.</param>
public sealed record DraftDecision(bool GoOn, ChainMemo Memo, long? PolicyVersion, bool Skipped = false, double? Acceptance = null);

/// <summary>Draft's and Target's answer.</summary>
/// <param name="Step">The proposed step (null when cancelled, failed or skipped).</param>
/// <param name="Usage">What the call consumed (all zero if it never called the model).</param>
/// <param name="CostUsd">What that cost at the profile's prices.</param>
/// <param name="Error">Why the call failed, if it did.</param>
/// <param name="Decision">For a draft: the policy's decision.</param>
/// <param name="RunCancelled">The call was cancelled because its whole plan was stopped (otherwise a cancelled call was
/// cancelled on its own).</param>
/// <param name="Answers">The call attempt this answers. The Azure Storage provider matches an answer to its task by
/// number alone, so after an episode lost with its worker a call can receive another task's answer: the orchestrator
/// checks this (null from an activity that predates it).</param>
public sealed record CallOutcome(
    string? Step, CallUsage Usage, double CostUsd, string? Error = null, DraftDecision? Decision = null, bool RunCancelled = false, CallAttempt? Answers = null);

/// <summary>CancelBranches' input.</summary>
public sealed record CancelInput(string RunId, IReadOnlyList<CallAttempt> Calls);

/// <summary>
/// RecordRun's input: the run's summary and its plan, each piece once. The activity builds the run's training data
/// itself: each transition carries the task and its verified prefix, so sending them would repeat the plan once per
/// step (a 50-step plan of 8,000-character steps: an 11 MB activity input, over what a Durable worker can send).
/// </summary>
/// <param name="Run">The run's summary.</param>
/// <param name="Task">The user's task.</param>
/// <param name="Segments">The stored records of the plan's earlier orchestration executions, in order.</param>
/// <param name="Last">The record of its last execution.</param>
public sealed record RecordInput(RunRecord Run, string Task, IReadOnlyList<string> Segments, PlanSegment Last);

/// <summary>SavePlanContent's input: one document of a plan (<see cref="IPlanContentStore"/>) and its name; either a
/// context chunk or a segment.</summary>
public sealed record PlanContentInput(string RunId, string Name, ContextChunk? Context = null, PlanSegment? Segment = null);

/// <summary>The orchestration's custom status while it plans (kept small: the 16 KB limit).</summary>
/// <param name="Verified">The verified steps so far (long steps shortened).</param>
/// <param name="Round">The round in flight.</param>
/// <param name="Depth">The drafts it started so far.</param>
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

/// <summary>A finished plan, as <c>GET /api/plans/{id}</c> answers it (see <see cref="PlanOutput"/> for how it is kept).</summary>
/// <param name="Outcome">Completed, Failed or Stopped.</param>
/// <param name="Plan">The verified plan.</param>
/// <param name="Depths">The drafts each round started (0: the target alone).</param>
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
/// <param name="GoOn">For a draft: whether the policy chained the next draft and target on it (false when it failed or
/// was cancelled).</param>
/// <param name="Acceptance">For a draft that finished: the predicted probability that it would be accepted.</param>
public sealed record PlanCall(CallKey Call, CallUsage Usage, double CostUsd, string? Step = null, string? Error = null, bool? GoOn = null, double? Acceptance = null);

/// <summary>The outcomes a plan can end with.</summary>
public static class PlanOutcomes
{
    public const string Completed = nameof(Completed);
    public const string Failed = nameof(Failed);
    public const string Stopped = nameof(Stopped);
}
