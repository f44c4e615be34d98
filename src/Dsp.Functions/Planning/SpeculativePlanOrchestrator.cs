using System.Text.Json;
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
/// A long plan is planned by several executions (<see cref="ExecutionLimits"/>): between rounds, once its cancelled
/// branches have settled, an execution stores its segment and continues as new with the engine's counters, so that
/// no execution's history — replayed at every step — grows with the plan. Calls refer to the task and verified steps
/// stored once as context chunks rather than carrying them (<see cref="PlanContextRef"/>).
/// Deterministic: no clock but the context's, no I/O but activities.
/// </summary>
public sealed partial class SpeculativePlanOrchestrator
{
    /// <summary>The external event that stops a plan; its payload is the reason.</summary>
    public const string StopEvent = "stop";

    private const int MaxStatusStepLength = 200;

    /// <summary>The verified steps the custom status shows: the last ones.</summary>
    private const int StatusSteps = 50;

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

    /// <summary>The orchestration; its output is null when the execution continued as new.</summary>
    [Function(nameof(SpeculativePlanOrchestrator))]
    public Task<PlanOutput?> Run([OrchestrationTrigger] TaskOrchestrationContext context) =>
        RunAsync(context, context.GetInput<PlanInput>() ?? throw new InvalidOperationException("The plan has no input."));

    /// <summary>Plans <paramref name="input"/>: the orchestration itself, callable from any durable host.</summary>
    public static Task<PlanOutput?> RunAsync(TaskOrchestrationContext context, PlanInput input) => new PlanRun(context, input).RunAsync();

    /// <summary>The state of one orchestration execution.</summary>
    private sealed class PlanRun
    {
        private readonly TaskOrchestrationContext _context;
        private readonly PlanInput _input;
        private readonly ExecutionLimits _limits;
        private readonly ILogger _logger;
        private readonly SpeculationEngine _engine;
        private readonly DateTime _startedAt;
        private readonly int _execution;
        private readonly IReadOnlyList<string> _segments;
        private readonly PlanTally _tally;
        private readonly List<string> _recentSteps;

        // The context: what is stored (task and first verified steps), and the verified steps after it.
        private readonly List<string> _unsavedSteps;
        private SavedContext _saved;
        private (Task Write, SavedContext Saved)? _pendingSave;

        private readonly Dictionary<CallKey, Task<CallOutcome>> _running = [];
        private readonly Dictionary<CallKey, CallInput> _inputs = [];
        private readonly Dictionary<CallKey, DateTime> _startedAtCall = [];
        private readonly Dictionary<CallKey, CallOutcome> _lostAttempts = [];
        private readonly List<(CallKey Key, Task<CallOutcome> Call)> _cancelled = [];
        private readonly List<(CallKey Key, CallOutcome Outcome)> _finished = [];
        private readonly List<Task> _cancellationWrites = [];
        private readonly List<RoundOutcome> _rounds = [];
        private long? _policyVersion;
        private double _costSoFar;
        private CallLatencies _latencies;
        private int _continueAfterRounds;
        private DraftPolicyInput _roundPolicy = null!;
        private int _draftsInRound;

        public PlanRun(TaskOrchestrationContext context, PlanInput input)
        {
            _context = context;
            _input = input;
            _limits = input.Limits ?? ExecutionLimits.Default;
            ArgumentOutOfRangeException.ThrowIfLessThan(_limits.Rounds, 1, nameof(input));
            _continueAfterRounds = _limits.Rounds;
            _logger = context.CreateReplaySafeLogger<SpeculativePlanOrchestrator>();
            var judge = StepJudges.Create(input.Judge);
            var options = new EngineOptions { MaxSteps = input.MaxSteps };
            var continuation = input.Continuation;
            _engine = continuation is null ? new SpeculationEngine(judge, options) : SpeculationEngine.Resume(judge, options, continuation.Engine);
            _startedAt = continuation?.StartedAt ?? context.CurrentUtcDateTime;
            _execution = continuation?.Execution ?? 0;
            _segments = continuation?.Segments ?? [];
            _tally = continuation?.Tally ?? PlanTally.Empty;
            _latencies = _tally.Latencies;
            _policyVersion = continuation?.PolicyVersion;
            _recentSteps = [.. continuation?.RecentSteps ?? []];
            _saved = continuation?.Context ?? SavedContext.None;
            _unsavedSteps = [.. continuation?.UnsavedSteps ?? []];
        }

        public async Task<PlanOutput?> RunAsync()
        {
            var stop = _context.WaitForExternalEvent<string>(StopEvent);
            string? stopReason = null;

            while (_engine.Status is EngineStatus.AwaitingRound or EngineStatus.Running)
            {
                if (_engine.Status == EngineStatus.AwaitingRound)
                {
                    if (stop.IsCompleted)
                    {
                        stopReason = $"Stopped: {stop.Result}";
                        Apply(_engine.Stop(stopReason));
                        break;
                    }

                    if (_rounds.Count >= _continueAfterRounds || SegmentCharacters() >= _limits.ContentCharacters)
                    {
                        if (await TryContinueAsNewAsync(stop))
                        {
                            return null;
                        }

                        if (stop.IsCompleted)
                        {
                            continue; // It arrived meanwhile.
                        }
                    }

                    SaveContextWhenLong();

                    // The round's first draft decides whether to draft at all, where it runs.
                    _roundPolicy = new DraftPolicyInput(
                        _input.Policy, _input.ValueOfTime, _input.Tradeoff, _input.Offset, _engine.Rounds, 0,
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
                var outcome = await OutcomeOf(call, key, _inputs.TryGetValue(key, out var made) ? made.Attempt : null);
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

            return await FinishAsync(stopReason);
        }

        /// <summary>The plan is decided: settles the cancelled branches for billing, records the run, and puts the
        /// output together.</summary>
        private async Task<PlanOutput> FinishAsync(string? stopReason)
        {
            var calls = await SettleAsync();
            var ended = _context.CurrentUtcDateTime;

            // RecordRun goes out only from an episode after this one, that is once this one is committed: the Azure Storage
            // provider sends an episode's messages before it commits its history, so a RecordRun sent by an episode whose
            // worker died would store a run its replay, ending at another time, records differently.
            await _context.CreateTimer(ended, CancellationToken.None);
            var last = Segment(calls);
            var tally = _tally.With(_rounds, _engine.Verdicts, calls);
            var completed = _engine.Status == EngineStatus.Completed;
            var run = Summarize(ended, tally, completed ? tally.DraftedSteps : 0, stopReason);
            var recordError = await RecordAsync(new RecordInput(run, _input.Task, _segments, last));
            return new PlanOutput(run.Outcome, run, _engine.FailureReason, recordError, _segments, last);
        }

        /// <summary>
        /// Continues the plan as new, between rounds: stores this execution's segment and hands on counters and
        /// references. Waits until the cancelled branches have come back (they are billed here), so that rounds do not
        /// start later than they would; after twice the rounds, or once the steps reach their limit, waits for them. The
        /// steps' limit is not put off: what this execution holds goes out whole in one activity input (the segment, or
        /// <c>RecordRun</c>'s at the end), and the portable SDK's worker fails the orchestration when one is over its
        /// 3.9 MB messages. False when the plan goes on here: the branches are still out, or the segment could not be
        /// stored (it is tried again after as many rounds).
        /// </summary>
        private async Task<bool> TryContinueAsNewAsync(Task<string> stop)
        {
            var settled = _cancelled.All(c => c.Call.IsCompleted) && _cancellationWrites.All(w => w.IsCompleted) && _pendingSave is not { Write.IsCompleted: false };
            if (!settled && _rounds.Count < 2 * _continueAfterRounds && SegmentCharacters() < _limits.ContentCharacters)
            {
                return false;
            }

            var calls = await SettleAsync();
            if (_pendingSave is { } pending)
            {
                await Task.WhenAny(pending.Write); // Completed either way: PromoteSavedContext logs a failed write.
                PromoteSavedContext();
            }

            var segment = Segment(calls);
            var name = PlanContent.Name(PlanSegment.Kind, _execution, segment);
            try
            {
                await _context.CallActivityAsync(nameof(PlanActivities.SavePlanContent), new PlanContentInput(_context.InstanceId, name, Segment: segment), StorageRetries);
            }
            catch (TaskFailedException e)
            {
                // The settled calls stay in this execution; the plan goes on here and tries again later.
                LogContinuationFailed(_logger, _context.InstanceId, e.FailureDetails.ErrorMessage);
                _finished.AddRange(calls);
                _continueAfterRounds = _rounds.Count + _limits.Rounds;
                return false;
            }

            if (stop.IsCompleted)
            {
                // A stop that arrived meanwhile is this execution's to act on: continuing would drop it.
                _finished.AddRange(calls);
                return false;
            }

            _context.ContinueAsNew(_input with
            {
                Continuation = new PlanContinuation(
                    _execution + 1,
                    _startedAt,
                    _engine.Snapshot(),
                    _saved,
                    [.. _unsavedSteps],
                    [.. _segments, name],
                    _tally.With(_rounds, _engine.Verdicts, calls) with { Latencies = _latencies },
                    _policyVersion,
                    [.. _recentSteps]),
            });
            return true;
        }

        /// <summary>Waits for the cancelled branches and the cancellation writes; every call of this execution, the
        /// settled branches last.</summary>
        private async Task<List<(CallKey Key, CallOutcome Outcome)>> SettleAsync()
        {
            var settled = await Task.WhenAll(_cancelled.Select(c => OutcomeOf(c.Call, c.Key, attempt: null)));
            var calls = new List<(CallKey Key, CallOutcome Outcome)>(_finished);
            for (var i = 0; i < settled.Length; i++)
            {
                var key = _cancelled[i].Key;
                calls.Add((key, Merged(key, settled[i])));

                // Drafts that lost the race with their targets decided too: the version is theirs when no other said it.
                _policyVersion ??= settled[i].Decision?.PolicyVersion;
            }

            _cancelled.Clear();
            _finished.Clear();
            foreach (var write in _cancellationWrites)
            {
                try
                {
                    await write;
                }
                catch (TaskFailedException e)
                {
                    // The branches it names may run to the end: billed in full, which the run's cost shows.
                    LogCancelFailed(_logger, _context.InstanceId, e.FailureDetails.ErrorMessage);
                }
            }

            _cancellationWrites.Clear();
            return calls;
        }

        /// <summary>This execution's segment.</summary>
        private PlanSegment Segment(List<(CallKey Key, CallOutcome Outcome)> calls) => new(
            [.. _engine.Verified],
            [.. _engine.Verdicts],
            [.. _rounds],
            [.. _engine.JudgedDrafts],
            [.. calls.Select(c => new PlanCall(
                c.Key, c.Outcome.Usage, c.Outcome.CostUsd, c.Outcome.Step, c.Outcome.Error, c.Outcome.Decision?.GoOn, c.Outcome.Decision?.Acceptance))]);

        /// <summary>Characters of steps this execution's segment would hold: what bounds its size.</summary>
        private long SegmentCharacters() =>
            _engine.Verified.Sum(s => (long)s.Length) + _engine.JudgedDrafts.Sum(d => (long)d.Draft.Length) + _finished.Sum(c => (long)(c.Outcome.Step?.Length ?? 0));

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
            LogCallMadeAgain(_logger, _context.InstanceId, again.MadeAttempt().ToString());
            _inputs[key] = again;
            _running[key] = _context.CallActivityAsync<CallOutcome>(key.Role == AgentRole.Draft ? nameof(PlanActivities.Draft) : nameof(PlanActivities.Target), again);
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
            _latencies = _latencies.With(key.Role, outcome.Usage);
            return outcome;
        }

        /// <summary>Stores the run; null when stored, else why it could not be.</summary>
        private async Task<string?> RecordAsync(RecordInput record)
        {
            try
            {
                await _context.CallActivityAsync(nameof(PlanActivities.RecordRun), record, StorageRetries);
                return null;
            }
            catch (TaskFailedException e)
            {
                // The storage error's first paragraph: its message, status and code, without the response dump.
                var reason = e.FailureDetails.ErrorMessage.Split("\n\n", 2)[0].ReplaceLineEndings(" ");
                var error = $"The run could not be recorded: {reason}";
                LogRecordFailed(_logger, _context.InstanceId, error);
                return error;
            }
        }

        /// <summary>
        /// The call's outcome; an activity that crashed counts as a failed call that consumed nothing. An answer that is
        /// null, or names another call or attempt, is another task's, delivered to this call because an episode whose
        /// worker died gave that task the number its replay gave this call (the provider matches a response to its task
        /// by number alone). It counts as cancelled, not by this orchestration, so the call is made again (see
        /// MakeAgain); what it consumed is not this call's.
        /// </summary>
        private static async Task<CallOutcome> OutcomeOf(Task<CallOutcome> call, CallKey key, int? attempt)
        {
            try
            {
                var outcome = await call;
                return outcome is null || outcome.Answers is { } answers && (answers.Call != key || answers.Attempt != (attempt ?? answers.Attempt))
                    ? new CallOutcome(null, new CallUsage(0, 0, 0, Cancelled: true), 0)
                    : outcome;
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
                            (cancelled ??= []).Add(new CallAttempt(cancelledKey, _inputs.Remove(cancelledKey, out var input) ? input.Attempt : 0));
                        }

                        break;
                    case EngineCommandKind.DraftAccepted or EngineCommandKind.TargetKept:
                        var step = _engine.Verified[command.Position - _engine.FirstPosition];
                        _unsavedSteps.Add(step);
                        _recentSteps.Add(Shortened(step, MaxStatusStepLength));
                        if (_recentSteps.Count > StatusSteps)
                        {
                            _recentSteps.RemoveAt(0);
                        }

                        break;
                    case EngineCommandKind.RoundEnded or EngineCommandKind.Completed or EngineCommandKind.Failed:
                        _rounds.Add(_engine.LastRound);
                        break;
                }
            }

            if (cancelled is not null)
            {
                _cancellationWrites.Add(_context.CallActivityAsync(nameof(PlanActivities.CancelBranches), new CancelInput(_context.InstanceId, cancelled), StorageRetries));
            }
        }

        private void Start(CallKey key, string activity, DraftPolicyInput? speculation)
        {
            var input = new CallInput(_context.InstanceId, key, ContextFor(key.Position), _input.Agents, _input.TraceId, speculation);
            _inputs[key] = input;
            _running.Add(key, _context.CallActivityAsync<CallOutcome>(activity, input));
            _startedAtCall[key] = _context.CurrentUtcDateTime;
        }

        /// <summary>What a call for <paramref name="position"/> is conditioned on: the stored context by reference, the
        /// verified steps after it and the round's drafts inline.</summary>
        private PlanContextRef ContextFor(int position)
        {
            PromoteSavedContext();
            return new PlanContextRef(_saved.Chunk, _saved.Chunk is null ? _input.Task : null, [.. _unsavedSteps, .. _engine.DraftsBefore(position)]);
        }

        /// <summary>Between rounds: once the task and verified steps that calls carry inline grow long, stores them as the
        /// next context chunk. Calls go on carrying them until the write has come back.</summary>
        private void SaveContextWhenLong()
        {
            PromoteSavedContext();
            var inline = (_saved.Chunk is null ? _input.Task.Length : 0) + _unsavedSteps.Sum(s => (long)s.Length);
            if (_pendingSave is not null || (_saved.Chunk is not null && _unsavedSteps.Count == 0) || inline < _limits.InlineContextCharacters)
            {
                return;
            }

            var chunk = new ContextChunk(_saved.Chunk is null ? [] : [.. _saved.Ancestors, _saved.Chunk], _saved.Chunk is null ? _input.Task : null, [.. _unsavedSteps]);
            var saved = new SavedContext(PlanContent.Name(ContextChunk.Kind, _saved.Steps + _unsavedSteps.Count, chunk), chunk.Ancestors, _saved.Steps + _unsavedSteps.Count);
            _pendingSave = (_context.CallActivityAsync(nameof(PlanActivities.SavePlanContent), new PlanContentInput(_context.InstanceId, saved.Chunk!, Context: chunk), StorageRetries), saved);
        }

        /// <summary>Once a context chunk's write has come back, calls refer to it; one that failed is logged, and its
        /// steps stay inline until the next one.</summary>
        private void PromoteSavedContext()
        {
            if (_pendingSave is not { Write.IsCompleted: true } pending)
            {
                return;
            }

            _pendingSave = null;
            if (pending.Write.IsCompletedSuccessfully)
            {
                _unsavedSteps.RemoveRange(0, pending.Saved.Steps - _saved.Steps);
                _saved = pending.Saved;
            }
            else
            {
                LogContextSaveFailed(_logger, _context.InstanceId, pending.Write.Exception?.InnerException?.Message ?? "cancelled");
            }
        }

        private RunRecord Summarize(DateTime ended, PlanTally tally, int transitions, string? stopReason)
        {
            var outcome = stopReason is not null ? PlanOutcomes.Stopped
                : _engine.Status == EngineStatus.Completed ? PlanOutcomes.Completed
                : PlanOutcomes.Failed;
            return new RunRecord
            {
                RunId = _context.InstanceId,
                Task = _input.Task,
                Agents = _input.Agents,
                Tradeoff = _input.Tradeoff,
                Offset = _input.Offset,
                Policy = _input.Policy,
                ValueOfTime = _input.Policy == PolicyNames.Adaptive ? _input.ValueOfTime : null,
                PolicyVersion = _policyVersion,
                Outcome = outcome,
                Steps = _engine.VerifiedCount,
                Rounds = tally.Rounds,
                MeanDepth = tally.Rounds == 0 ? 0 : tally.Depths / (double)tally.Rounds,
                LatencySeconds = (ended - _startedAt).TotalSeconds,
                CostUsd = tally.CostUsd,
                UnnecessaryCostUsd = tally.UnnecessaryCostUsd,
                SequentialLatencySeconds = tally.SequentialLatencySeconds,
                SequentialCostUsd = tally.SequentialCostUsd,
                Lossless = _engine.Status == EngineStatus.Completed && _engine.Judge.IsExact,
                Transitions = transitions,
                Calls = tally.Calls,
                CancelledCalls = tally.CancelledCalls,
                Retries = tally.Retries,
                CompletedAt = new DateTimeOffset(ended, TimeSpan.Zero),
            };
        }

        /// <summary>Reports the plan's progress as custom status, its steps shortened until it fits the budget.</summary>
        private void ReportProgress()
        {
            var nextEvent = NextEventEstimate.Of(_running.Keys.Select(k => (k.Role, _startedAtCall[k])), _latencies);
            for (var length = MaxStatusStepLength; ; length /= 2)
            {
                var progress = new PlanProgress(
                    [.. _recentSteps.Select(s => Shortened(s, length))],
                    _engine.Rounds - 1,
                    _draftsInRound,
                    _tally.CostUsd + _costSoFar,
                    [.. _running.Keys],
                    nextEvent);
                if (length / 2 < MinStatusStepLength || JsonSerializer.Serialize(progress).Length <= StatusBudget)
                {
                    _context.SetCustomStatus(progress);
                    return;
                }
            }
        }

        private static string Shortened(string step, int length) => step.Length <= length ? step : step[..length] + "…";
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Plan {RunId}: {Error}")]
    private static partial void LogRecordFailed(ILogger logger, string runId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plan {RunId}: cancelled branches could not be recorded, so they may have run to the end: {Error}")]
    private static partial void LogCancelFailed(ILogger logger, string runId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plan {RunId}: a context chunk could not be stored; calls carry its steps until the next one is: {Error}")]
    private static partial void LogContextSaveFailed(ILogger logger, string runId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plan {RunId}: this execution's record could not be stored, so the plan goes on in it for now: {Error}")]
    private static partial void LogContinuationFailed(ILogger logger, string runId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plan {RunId}: call {Call} came back cancelled by an orchestration episode that was never committed; it is made again")]
    private static partial void LogCallMadeAgain(ILogger logger, string runId, string call);
}
