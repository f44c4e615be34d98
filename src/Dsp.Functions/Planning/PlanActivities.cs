using Dsp.Core.Acceptance;
using Dsp.Core.Agents;
using Dsp.Core.Costs;
using Dsp.Core.Engine;
using Dsp.Core.Planning;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Dsp.Functions.Policy;
using Dsp.Functions.Telemetry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dsp.Functions.Planning;

/// <summary>
/// The plan's activities. Each is safe to run twice (Durable delivers at least once): calls are idempotent
/// reads of agents, and every write is idempotent.
/// A call whose own cancellation token fires — the host is shutting down — throws rather than answering "cancelled":
/// the Functions host then abandons the work item and another instance makes the call again, whereas a cancelled
/// answer would tell the plan the call was cancelled on purpose.
/// </summary>
public sealed partial class PlanActivities(
    IAgentProfiles agents,
    ICancellationStore cancellations,
    ITrainingStore training,
    IRunStore runs,
    IPlanContentStore content,
    PlanContextReader contexts,
    PolicyProvider policies,
    PlanTelemetry telemetry,
    IOptions<PlanOptions> options,
    ILogger<PlanActivities> logger)
{
    /// <summary>
    /// Drafts one step and decides, where the draft is, whether the chain goes on: no activity hop is spent on the
    /// policy. A round's first draft first asks whether to draft at all; when not, it returns at once, having called
    /// nothing (a round of the target alone).
    /// </summary>
    [Function(nameof(Draft))]
    public async Task<CallOutcome> Draft([ActivityTrigger] CallInput input, CancellationToken cancellationToken) =>
        (await DraftAsync(input, cancellationToken)) with { Answers = input.MadeAttempt() };

    [Function(nameof(Target))]
    public async Task<CallOutcome> Target([ActivityTrigger] CallInput input, CancellationToken cancellationToken)
    {
        var profile = ProfileOf(input);
        var (task, prefix) = await contexts.ReadAsync(input.RunId, input.Context, cancellationToken);
        return (await CallAsync(input, task, prefix, profile, cancellationToken)) with { Answers = input.MadeAttempt() };
    }

    private async Task<CallOutcome> DraftAsync(CallInput input, CancellationToken cancellationToken)
    {
        var speculation = input.Speculation ?? throw new InvalidOperationException($"Draft {input.Call} of run {input.RunId} carries no policy input.");
        var profile = ProfileOf(input);
        var (policy, version) = await policies.PolicyForAsync(speculation, profile, cancellationToken);
        var (task, prefix) = await contexts.ReadAsync(input.RunId, input.Context, cancellationToken);
        var state = new PolicyState(
            task, prefix, speculation.DraftsInRound, speculation.AcceptedDrafts, speculation.RejectedDrafts, speculation.AcceptedStreak);
        var memo = speculation.Memo;
        if (speculation.DraftsInRound == 0)
        {
            var start = policy.AtRoundStart(new RoundStartRequest(state, speculation.Round));
            if (!start.GoOn)
            {
                return new CallOutcome(null, default, 0, Decision: new DraftDecision(false, start.Memo, version, Skipped: true, start.Acceptance));
            }

            memo = start.Memo;
        }

        var outcome = await CallAsync(input, task, prefix, profile, cancellationToken);
        if (outcome.Step is not { } step)
        {
            // Failed or cancelled: nothing is chained on it, whatever the policy would say.
            return outcome with { Decision = new DraftDecision(false, memo, version) };
        }

        var decision = policy.AfterDraft(new DraftFinishedRequest(state, speculation.Round, step, outcome.Usage.LatencySeconds, memo));
        return outcome with { Decision = new DraftDecision(decision.GoOn, decision.Memo, version, Acceptance: decision.Acceptance) };
    }

    [Function(nameof(CancelBranches))]
    public Task CancelBranches([ActivityTrigger] CancelInput input, CancellationToken cancellationToken) =>
        cancellations.CancelCallsAsync(input.RunId, input.Calls, cancellationToken);

    /// <summary>Stores a document the plan refers to by name (a context chunk or an execution's segment).</summary>
    [Function(nameof(SavePlanContent))]
    public Task SavePlanContent([ActivityTrigger] PlanContentInput input, CancellationToken cancellationToken) =>
        content.SaveAsync(
            input.RunId,
            input.Name,
            input.Context is { } chunk ? PlanContent.Serialize(chunk)
                : input.Segment is { } segment ? PlanContent.Serialize(segment)
                : throw new InvalidOperationException($"Document '{input.Name}' of run {input.RunId} has no content."),
            cancellationToken);

    [Function(nameof(RecordRun))]
    public async Task RecordRun([ActivityTrigger] RecordInput input, CancellationToken cancellationToken)
    {
        var run = input.Run;
        var plan = await PlanResults.ReadPlanAsync(content, run.RunId, input.Segments, input.Last, cancellationToken);
        var completed = run.Outcome == PlanOutcomes.Completed;
        var examples = completed
            ? RunExamples.From(run.RunId, input.Task, plan.Steps, plan.JudgedDrafts, judged => UsageOf(plan.Calls, judged))
            : new RunExamples(run.RunId, input.Task, [], []);
        IReadOnlyList<PolicyTransition> transitions = completed ? TransitionBuilder.Build(run.RunId, input.Task, plan.Steps, plan.Verdicts, plan.Rounds) : [];

        // Training data first: a run row means its training data is in (a replay rewrites neither).
        await training.AppendAsync(new RunTrainingData(run.RunId, run.CompletedAt, transitions, examples), cancellationToken);
        if (await runs.SaveAsync(run, cancellationToken))
        {
            // Counted once, however often the activity is delivered.
            telemetry.RecordRun(run);
            PlanTracing.RecordPlan(run);
            LogRunRecorded(run.RunId, run.Outcome, run.Steps, run.CostUsd);
        }
    }

    /// <summary>What the draft and the target of a judged draft's position consumed in its round.</summary>
    private static (CallUsage Draft, CallUsage Target) UsageOf(IReadOnlyList<PlanCall> calls, JudgedDraft judged)
    {
        CallUsage Of(AgentRole role) => calls.First(c => c.Call == new CallKey(judged.Round, role, judged.Position)).Usage;
        return (Of(AgentRole.Draft), Of(AgentRole.Target));
    }

    private AgentProfile ProfileOf(CallInput input) =>
        agents.Find(input.Agents) ?? throw new InvalidOperationException($"Unknown agent profile '{input.Agents}'.");

    /// <summary>Makes one model call in its <c>dsp.call</c> span.</summary>
    private async Task<CallOutcome> CallAsync(CallInput input, string task, IReadOnlyList<string> prefix, AgentProfile profile, CancellationToken cancellationToken)
    {
        var agent = profile.AgentFor(input.Call.Role);
        using var span = PlanTracing.StartCall(input, agent);
        CallOutcome outcome;
        try
        {
            outcome = await CallAgentAsync(input, new StepRequest(input.RunId, input.Call, task, prefix, input.TraceId), agent, profile.PriceFor(input.Call.Role), cancellationToken);
        }
        catch (Exception e)
        {
            // The orchestrator counts a crashed activity as a failed call that consumed nothing; so does the span.
            PlanTracing.EndCall(span, new CallOutcome(null, default, 0, e.Message));
            throw;
        }

        PlanTracing.EndCall(span, outcome);
        return outcome;
    }

    /// <summary>
    /// Calls the agent, unless the call was already cancelled; while it runs, watches the cancellation store and
    /// stops the agent as soon as the call is cancelled, returning what it consumed. A cancellation check that
    /// cannot reach the store is logged and made again at the next poll: it must not fail a call that may be
    /// the plan's next step (a cancelled call that runs on costs money, and is billed as it should).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired: the host is stopping.</exception>
    private async Task<CallOutcome> CallAgentAsync(CallInput input, StepRequest request, IStepAgent agent, ModelPrice price, CancellationToken cancellationToken)
    {
        var key = input.MadeAttempt();
        if (await IsCancelledAsync(input.RunId, key, cancellationToken))
        {
            return await CancelledAsync(input.RunId, new CallOutcome(null, new CallUsage(0, 0, 0, Cancelled: true), 0), cancellationToken);
        }

        using var stopCall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopWatching = new CancellationTokenSource();
        var watcher = WatchForCancellationAsync(input.RunId, key, stopCall, stopWatching.Token);
        CallOutcome outcome;
        try
        {
            var result = await agent.ProposeAsync(request, stopCall.Token);
            var cost = price.Cost(result.Usage.PromptTokens, result.Usage.CompletionTokens);
            telemetry.RecordCall(key.Call.Role, result.Usage, cost);
            outcome = new CallOutcome(result.Step, result.Usage, cost);
        }
        catch (AgentException e)
        {
            LogCallFailed(input.RunId, key.ToString(), e.Message);
            outcome = new CallOutcome(null, new CallUsage(0, 0, 0, Retries: e.Retries), 0, e.Message);
        }
        finally
        {
            await stopWatching.CancelAsync();
        }

        var cancelledByStore = await watcher;
        if (!outcome.Usage.Cancelled)
        {
            return outcome;
        }

        // The agent stopped for the host's token, not for a cancellation in the store: let the host make the call again.
        cancellationToken.ThrowIfCancellationRequested();
        return cancelledByStore ? await CancelledAsync(input.RunId, outcome, cancellationToken) : outcome;
    }

    /// <summary>A call cancelled by the store, saying whether its whole run was stopped.</summary>
    private async Task<CallOutcome> CancelledAsync(string runId, CallOutcome outcome, CancellationToken cancellationToken)
    {
        try
        {
            return outcome with { RunCancelled = await cancellations.IsRunCancelledAsync(runId, cancellationToken) };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Unknown: the orchestrator makes the call again, and a stopped run stops it then.
            LogCancellationCheckFailed(runId, "run", e.Message);
            return outcome;
        }
    }

    /// <summary>Polls the store until the call is cancelled (true: then it stops the call) or the call ends.</summary>
    private async Task<bool> WatchForCancellationAsync(string runId, CallAttempt key, CancellationTokenSource stopCall, CancellationToken stopWatching)
    {
        try
        {
            while (!stopWatching.IsCancellationRequested)
            {
                await Task.Delay(options.Value.CancellationPollInterval, stopWatching);
                if (await IsCancelledAsync(runId, key, stopWatching))
                {
                    await stopCall.CancelAsync();
                    return true;
                }
            }
        }
        catch (OperationCanceledException) when (stopWatching.IsCancellationRequested)
        {
            // The call ended first.
        }

        return false;
    }

    /// <summary>Whether the call was cancelled; false, logged, when the store cannot say.</summary>
    private async Task<bool> IsCancelledAsync(string runId, CallAttempt key, CancellationToken cancellationToken)
    {
        try
        {
            return await cancellations.IsCancelledAsync(runId, key, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCancellationCheckFailed(runId, key.ToString(), e.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} recorded: {Outcome}, {Steps} steps, ${CostUsd:0.0000}")]
    private partial void LogRunRecorded(string runId, string outcome, int steps, double costUsd);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {Call} of run {RunId} failed: {Reason}")]
    private partial void LogCallFailed(string runId, string call, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check whether call {Call} of run {RunId} was cancelled: {Reason}")]
    private partial void LogCancellationCheckFailed(string runId, string call, string reason);
}
