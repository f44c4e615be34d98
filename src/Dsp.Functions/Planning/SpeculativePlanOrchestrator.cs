using System.Text.Json;
using Dsp.Core.Acceptance;
using Dsp.Core.Costs;
using Dsp.Core.Engine;
using Dsp.Core.Judges;
using Dsp.Core.Planning;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Dsp.Functions.Planning;

/// <summary>
/// Drives <see cref="SpeculationEngine"/> with activities: <c>Draft</c> and <c>Target</c> calls fanned out as the engine
/// asks, awaited with <see cref="Task.WhenAny(IEnumerable{Task})"/>. Each <c>Draft</c> returns with its step the
/// policy's decision to go on (a round's first draft may instead decline to draft), so a step costs no hop but its
/// calls: the decision's memo is carried to the round's next draft.
/// Cancelled branches leave the planning loop at once and are never awaited by it; <c>CancelBranches</c> records
/// them so the running activities stop cooperatively. Once the plan is decided, their results are gathered only
/// to bill what they consumed, and <c>RecordRun</c> stores the run. A <c>stop</c> event stops the plan.
/// The storage activities are retried with back-off on top of the storage client's own retries, so a storage
/// outage delays the end of a plan rather than failing it; a run that still cannot be recorded keeps its plan and
/// says why in <see cref="PlanResult.RecordError"/>.
/// Deterministic: no clock but the context's, no I/O but activities.
/// </summary>
public sealed partial class SpeculativePlanOrchestrator
{
    /// <summary>The external event that stops a plan; its payload is the reason.</summary>
    public const string StopEvent = "stop";

    private const int MaxStatusStepLength = 200;

    /// <summary>The custom status's budget, in characters of its serialized JSON: 16 KiB of UTF-16, Durable Functions'
    /// documented limit (the Azure Storage provider writes it into a table property of at most 64 KiB). Measured on
    /// the serialized form, where the default encoder writes every non-ASCII character and <c>"&lt;&gt;&amp;'+</c> as
    /// six-character escapes.</summary>
    private const int StatusBudget = 8 * 1024;

    /// <summary>Steps are never shortened below this many characters to fit the budget.</summary>
    private const int MinStatusStepLength = 8;

    /// <summary>Retries of the activities that write to storage, 1 s, 2 s and 4 s apart: each attempt already retries
    /// transient errors for about 15 s (the storage client's policy); these cover longer outages and the errors the
    /// client does not retry.</summary>
    private static readonly TaskOptions StorageRetries = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 4, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2));

    [Function(nameof(SpeculativePlanOrchestrator))]
    public Task<PlanResult> Run([OrchestrationTrigger] TaskOrchestrationContext context) =>
        RunAsync(context, context.GetInput<PlanInput>() ?? throw new InvalidOperationException("The plan has no input."));

    /// <summary>Plans <paramref name="input"/>: the orchestration itself, callable from any durable host.</summary>
    public static async Task<PlanResult> RunAsync(TaskOrchestrationContext context, PlanInput input)
    {
        var plan = new PlanRun(context, input);
        return await plan.RunAsync();
    }

    /// <summary>The state of one orchestration execution.</summary>
    private sealed class PlanRun(TaskOrchestrationContext context, PlanInput input)
    {
        private readonly ILogger _logger = context.CreateReplaySafeLogger<SpeculativePlanOrchestrator>();
        private readonly SpeculationEngine _engine = new(StepJudges.Create(input.Judge), new EngineOptions { MaxSteps = input.MaxSteps });
        private readonly Dictionary<CallKey, Task<CallOutcome>> _running = [];
        private readonly Dictionary<CallKey, DateTime> _startedAt = [];
        private readonly Dictionary<CallKey, CallInput> _inputs = [];
        private readonly Dictionary<CallKey, CallOutcome> _lostAttempts = [];
        private readonly List<(CallKey Key, Task<CallOutcome> Call)> _cancelled = [];
        private readonly List<(CallKey Key, CallOutcome Outcome)> _finished = [];
        private readonly List<Task> _cancellationWrites = [];
        private readonly List<RoundOutcome> _rounds = [];
        private long? _policyVersion;
        private double _costSoFar;
        private DraftPolicyInput _roundPolicy = null!;
        private int _draftsInRound;

        public async Task<PlanResult> RunAsync()
        {
            var started = context.CurrentUtcDateTime;
            var stop = context.WaitForExternalEvent<string>(StopEvent);
            string? stopReason = null;

            while (_engine.Status is EngineStatus.AwaitingRound or EngineStatus.Running)
            {
                if (_engine.Status == EngineStatus.AwaitingRound)
                {
                    // The round's first draft decides whether to draft at all, where it runs.
                    _roundPolicy = new DraftPolicyInput(
                        input.Policy, input.ValueOfTime, input.Tradeoff, input.Offset, _engine.Rounds, 0,
                        _engine.AcceptedDrafts, _engine.RejectedDrafts, _engine.AcceptedStreak, ChainMemo.Start);
                    _draftsInRound = 0;
                    Apply(_engine.BeginRound());
                    ReportProgress();
                    continue;
                }

                var next = await Task.WhenAny(new List<Task>(_running.Values) { stop });
                if (next == stop)
                {
                    stopReason = $"Stopped: {stop.Result}";
                    Apply(_engine.Stop(stopReason));
                    break;
                }

                var call = (Task<CallOutcome>)next;
                var key = _running.First(r => r.Value == call).Key;
                _running.Remove(key);
                var outcome = await OutcomeOf(call);
                if (outcome.Usage.Cancelled && !outcome.RunCancelled)
                {
                    // Cancelled, though not by this orchestration: see MakeAgain.
                    MakeAgain(key, outcome);
                    continue;
                }

                if (outcome.Decision is { } decision)
                {
                    _policyVersion ??= decision.PolicyVersion;
                    _roundPolicy = _roundPolicy with { Memo = decision.Memo };
                    if (decision.Skipped)
                    {
                        // No model was called: a round of the target alone.
                        _inputs.Remove(key);
                        _draftsInRound--;
                        Apply(_engine.DraftSkipped(key.Position));
                        ReportProgress();
                        continue;
                    }
                }

                outcome = Finished(key, outcome);
                if (outcome.Usage.Cancelled)
                {
                    // Only a cancellation of the whole run stops a call the plan still waits on.
                    stopReason = "Stopped: cancelled by request";
                    Apply(_engine.Stop(stopReason));
                    break;
                }

                Apply(Report(key, outcome));
                ReportProgress();
            }

            // The plan is decided: settle the cancelled branches for billing, then record the run.
            var settled = await Task.WhenAll(_cancelled.Select(c => OutcomeOf(c.Call)));
            await SettleCancellationWritesAsync();
            var calls = _finished.Concat(_cancelled.Select((c, i) => (c.Key, Outcome: Merged(c.Key, settled[i])))).ToList();

            // Drafts that lost the race with their targets decided too: the version is theirs when no other said it.
            _policyVersion ??= settled.Select(o => o.Decision?.PolicyVersion).FirstOrDefault(v => v is not null);
            var completed = _engine.Status == EngineStatus.Completed;
            var examples = completed
                ? RunExamples.From(context.InstanceId, input.Task, _engine.Verified, _engine.JudgedDrafts, judged => UsageOf(calls, judged))
                : new RunExamples(context.InstanceId, input.Task, [], []);
            IReadOnlyList<DraftVerdict> verdicts = completed ? [.. _engine.Verdicts] : [];
            IReadOnlyList<RoundOutcome> rounds = completed ? [.. _rounds] : [];
            var run = Summarize(started, context.CurrentUtcDateTime, calls, RecordInput.TransitionsOf(examples, verdicts, rounds).Count, stopReason);
            var recordError = await RecordAsync(new RecordInput(run, examples, verdicts, rounds));
            return new PlanResult(
                run.Outcome,
                [.. _engine.Verified],
                [.. _rounds.Select(r => r.Depth)],
                run,
                [.. calls.Select(c => new PlanCall(
                    c.Key, c.Outcome.Usage, c.Outcome.CostUsd, c.Outcome.Step, c.Outcome.Error, c.Outcome.Decision?.GoOn, c.Outcome.Decision?.Acceptance))],
                _engine.FailureReason,
                recordError);
        }

        /// <summary>
        /// A call the plan waits on came back cancelled, though this orchestration never cancelled it and the run was not
        /// stopped. Its cancellation was written by an episode of this orchestration that was never committed: the
        /// Azure Storage provider sends an episode's messages (the <c>CancelBranches</c> it scheduled among them) before
        /// it commits the episode's history, so a worker that dies in between leaves the cancellation behind, and the
        /// episode's replay, seeing the calls' results in another order, decided otherwise. The call is made again, as a
        /// new attempt with a cancellation of its own; what the lost attempt consumed is billed with it.
        /// </summary>
        private void MakeAgain(CallKey key, CallOutcome lost)
        {
            _lostAttempts[key] = Merged(key, lost);
            var again = _inputs[key] with { Attempt = _inputs[key].Attempt + 1 };
            LogCallMadeAgain(_logger, context.InstanceId, new CallAttempt(key, again.Attempt).ToString());
            _inputs[key] = again;
            _running[key] = context.CallActivityAsync<CallOutcome>(key.Role == AgentRole.Draft ? nameof(PlanActivities.Draft) : nameof(PlanActivities.Target), again);
        }

        /// <summary>A call's outcome with what its lost attempts consumed (each counted as a retry).</summary>
        private CallOutcome Merged(CallKey key, CallOutcome outcome)
        {
            if (!_lostAttempts.Remove(key, out var lost))
            {
                return outcome;
            }

            var usage = outcome.Usage;
            return outcome with
            {
                Usage = usage with
                {
                    PromptTokens = usage.PromptTokens + lost.Usage.PromptTokens,
                    CompletionTokens = usage.CompletionTokens + lost.Usage.CompletionTokens,
                    Retries = usage.Retries + lost.Usage.Retries + 1,
                },
                CostUsd = outcome.CostUsd + lost.CostUsd,
            };
        }

        /// <summary>Records a call the plan waited on as finished; its outcome with what lost attempts consumed.</summary>
        private CallOutcome Finished(CallKey key, CallOutcome outcome)
        {
            _inputs.Remove(key);
            outcome = Merged(key, outcome);
            _finished.Add((key, outcome));
            _costSoFar += outcome.CostUsd;
            return outcome;
        }

        /// <summary>What the draft and the target of a judged draft's position consumed in its round.</summary>
        private static (CallUsage Draft, CallUsage Target) UsageOf(List<(CallKey Key, CallOutcome Outcome)> calls, JudgedDraft judged)
        {
            CallUsage Of(AgentRole role) => calls.First(c => c.Key == new CallKey(judged.Round, role, judged.Position)).Outcome.Usage;
            return (Of(AgentRole.Draft), Of(AgentRole.Target));
        }

        /// <summary>Stores the run; null when stored, else why it could not be.</summary>
        private async Task<string?> RecordAsync(RecordInput record)
        {
            try
            {
                await context.CallActivityAsync(nameof(PlanActivities.RecordRun), record, StorageRetries);
                return null;
            }
            catch (TaskFailedException e)
            {
                // The storage error's first paragraph: its message, status and code, without the response dump.
                var reason = e.FailureDetails.ErrorMessage.Split("\n\n", 2)[0].ReplaceLineEndings(" ");
                var error = $"The run could not be recorded: {reason}";
                LogRecordFailed(_logger, context.InstanceId, error);
                return error;
            }
        }

        /// <summary>A cancellation that could not be written leaves its call running to the end: it is billed in
        /// full, which the run's cost shows; the plan does not depend on it.</summary>
        private async Task SettleCancellationWritesAsync()
        {
            foreach (var write in _cancellationWrites)
            {
                try
                {
                    await write;
                }
                catch (TaskFailedException e)
                {
                    LogCancelFailed(_logger, context.InstanceId, e.FailureDetails.ErrorMessage);
                }
            }
        }

        /// <summary>The call's outcome; an activity that crashed counts as a failed call that consumed nothing.</summary>
        private static async Task<CallOutcome> OutcomeOf(Task<CallOutcome> call)
        {
            try
            {
                return await call;
            }
            catch (TaskFailedException e)
            {
                return new CallOutcome(null, default, 0, e.FailureDetails.ErrorMessage);
            }
        }

        private IReadOnlyList<EngineCommand> Report(CallKey key, CallOutcome outcome) => (key.Role, outcome) switch
        {
            (AgentRole.Draft, { Step: { } step }) => _engine.DraftCompleted(key.Position, step, outcome.Decision?.GoOn ?? false),
            (AgentRole.Target, { Step: { } step }) => _engine.TargetCompleted(key.Position, step),
            (AgentRole.Draft, _) => _engine.DraftFailed(key.Position),
            _ => _engine.TargetFailed(key.Position, outcome.Error ?? "the call returned no step"),
        };

        private void Apply(IReadOnlyList<EngineCommand> commands)
        {
            var round = _engine.Rounds - 1;
            List<CallAttempt>? cancelled = null;
            foreach (var command in commands)
            {
                switch (command.Kind)
                {
                    case EngineCommandKind.StartDraft:
                        var speculation = _roundPolicy with { DraftsInRound = _draftsInRound++ };
                        Start(new CallKey(round, AgentRole.Draft, command.Position), nameof(PlanActivities.Draft), speculation);
                        break;
                    case EngineCommandKind.StartTarget:
                        Start(new CallKey(round, AgentRole.Target, command.Position), nameof(PlanActivities.Target), null);
                        break;
                    case EngineCommandKind.CancelDraft or EngineCommandKind.CancelTarget:
                        var cancelledKey = new CallKey(round, command.Kind == EngineCommandKind.CancelDraft ? AgentRole.Draft : AgentRole.Target, command.Position);
                        if (_running.Remove(cancelledKey, out var branch))
                        {
                            _cancelled.Add((cancelledKey, branch));
                            (cancelled ??= []).Add(new CallAttempt(cancelledKey, _inputs.Remove(cancelledKey, out var cancelledInput) ? cancelledInput.Attempt : 0));
                        }

                        break;
                    case EngineCommandKind.RoundEnded or EngineCommandKind.Completed or EngineCommandKind.Failed:
                        _rounds.Add(_engine.LastRound);
                        break;
                }
            }

            if (cancelled is not null)
            {
                _cancellationWrites.Add(context.CallActivityAsync(nameof(PlanActivities.CancelBranches), new CancelInput(context.InstanceId, cancelled), StorageRetries));
            }
        }

        private void Start(CallKey key, string activity, DraftPolicyInput? speculation)
        {
            var call = new CallInput(context.InstanceId, key, input.Task, [.. _engine.PrefixFor(key.Position)], input.Agents, input.TraceId, speculation);
            _inputs[key] = call;
            _running.Add(key, context.CallActivityAsync<CallOutcome>(activity, call));
            _startedAt[key] = context.CurrentUtcDateTime;
        }

        private RunRecord Summarize(DateTime started, DateTime ended, List<(CallKey Key, CallOutcome Outcome)> allCalls, int transitions, string? stopReason)
        {
            // Bill every call round by round, so that waste is judged by the round's own outcome.
            var ledger = new CostLedger();
            var calls = allCalls.ToLookup(c => c.Key.Round);
            double sequentialLatency = 0, sequentialCost = 0;
            foreach (var round in _rounds)
            {
                foreach (var (key, outcome) in calls[round.Index])
                {
                    ledger.Record(key.Role, key.Position, outcome.Usage, outcome.CostUsd);
                    if (key.Role == AgentRole.Target && !outcome.Usage.Cancelled && key.Position < round.Start + round.Verified)
                    {
                        // The target call that verified a step is what the target alone would have made.
                        sequentialLatency += outcome.Usage.LatencySeconds;
                        sequentialCost += outcome.CostUsd;
                    }
                }

                ledger.CloseRound(round);
            }

            var outcomeName = stopReason is not null ? PlanOutcomes.Stopped
                : _engine.Status == EngineStatus.Completed ? PlanOutcomes.Completed
                : PlanOutcomes.Failed;
            return new RunRecord
            {
                RunId = context.InstanceId,
                Task = input.Task,
                Agents = input.Agents,
                Tradeoff = input.Tradeoff,
                Offset = input.Offset,
                Policy = input.Policy,
                ValueOfTime = input.Policy == PolicyNames.Adaptive ? input.ValueOfTime : null,
                PolicyVersion = _policyVersion,
                Outcome = outcomeName,
                Steps = _engine.Verified.Count,
                Rounds = _rounds.Count,
                MeanDepth = _rounds.Count == 0 ? 0 : _rounds.Average(r => r.Depth),
                LatencySeconds = (ended - started).TotalSeconds,
                CostUsd = ledger.TotalUsd,
                UnnecessaryCostUsd = ledger.UnnecessaryUsd,
                SequentialLatencySeconds = sequentialLatency,
                SequentialCostUsd = sequentialCost,
                Lossless = _engine.Status == EngineStatus.Completed && _engine.Judge.IsExact,
                Transitions = transitions,
                Calls = allCalls.Count,
                CancelledCalls = allCalls.Count(c => c.Outcome.Usage.Cancelled),
                Retries = allCalls.Sum(c => c.Outcome.Usage.Retries),
                CompletedAt = new DateTimeOffset(ended, TimeSpan.Zero),
            };
        }

        /// <summary>Reports the plan's progress as custom status, its steps shortened until it fits the budget.</summary>
        private void ReportProgress()
        {
            var nextEvent = NextEventEstimate.Of(_running.Keys.Select(k => (k.Role, _startedAt[k])), _finished.Select(f => (f.Key.Role, f.Outcome.Usage)));
            for (var length = MaxStatusStepLength; ; length /= 2)
            {
                var progress = new PlanProgress(
                    [.. _engine.Verified.TakeLast(50).Select(s => s.Length <= length ? s : s[..length] + "…")],
                    _engine.Rounds - 1,
                    _draftsInRound,
                    _costSoFar,
                    [.. _running.Keys],
                    nextEvent);
                if (length / 2 < MinStatusStepLength || JsonSerializer.Serialize(progress).Length <= StatusBudget)
                {
                    context.SetCustomStatus(progress);
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Plan {RunId}: {Error}")]
    private static partial void LogRecordFailed(ILogger logger, string runId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plan {RunId}: cancelled branches could not be recorded, so they may have run to the end: {Error}")]
    private static partial void LogCancelFailed(ILogger logger, string runId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plan {RunId}: call {Call} came back cancelled by an orchestration episode that was never committed; it is made again")]
    private static partial void LogCallMadeAgain(ILogger logger, string runId, string call);
}
