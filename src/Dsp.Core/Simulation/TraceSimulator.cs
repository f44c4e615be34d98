using Dsp.Core.Costs;
using Dsp.Core.Engine;
using Dsp.Core.Judges;
using Dsp.Core.Metrics;
using Dsp.Core.Planning;
using Dsp.Core.Policy;
using Dsp.Core.Traces;

namespace Dsp.Core.Simulation;

/// <summary>
/// Replays <c>dsp-trace/1</c> traces through <see cref="SpeculationEngine"/> on a virtual clock: a discrete-event
/// simulation in which every call takes its recorded latency, so latency and cost follow DESIGN.md's timing and
/// cost contracts exactly. Positions past the end of a trace have no recorded calls, so no round speculates there.
/// Not thread-safe: use one simulator per thread.
/// </summary>
public sealed class TraceSimulator(SimulationOptions options)
{
    private readonly List<Call> _running = [];
    private readonly Dictionary<string, IStepJudge> _judges = new(StringComparer.Ordinal);
    private readonly Dictionary<AgentTrace, TargetAlone> _baselines = new(ReferenceEqualityComparer.Instance);

    public SimulationOptions Options => options;

    /// <summary>The judge a trace is replayed with: the override, else the one the trace names.</summary>
    public IStepJudge JudgeFor(AgentTrace trace)
    {
        if (options.Judge is { } judge)
        {
            return judge;
        }

        if (!_judges.TryGetValue(trace.Judge, out judge))
        {
            judge = StepJudges.Create(trace.Judge);
            _judges[trace.Judge] = judge;
        }

        return judge;
    }

    /// <summary>Replays one trace with depths chosen at each round's start by <paramref name="policy"/>.</summary>
    public SimulatedPlan Run(AgentTrace trace, IDepthPolicy policy) => Run(trace, new DepthChainPolicy(policy));

    /// <summary>Replays one trace with chains decided by <paramref name="policy"/>.</summary>
    public SimulatedPlan Run(AgentTrace trace, ISpeculationPolicy policy)
    {
        var judge = JudgeFor(trace);
        var engine = new SpeculationEngine(judge, new EngineOptions
        {
            MaxSteps = trace.Steps.Count,
            DraftPastTerminate = options.DraftPastTerminate,
        });
        var ledger = new CostLedger(options.Prices[trace.Models.Draft], options.Prices[trace.Models.Target]);
        var replay = new Replay(trace, engine, ledger, options, _running);
        replay.Run(policy);

        var baseline = Baseline(trace, ledger);
        var metrics = new PlanMetrics
        {
            TaskId = trace.Id,
            Steps = engine.Verified.Count,
            LatencySeconds = replay.Now,
            CostUsd = ledger.TotalUsd,
            UnnecessaryCostUsd = ledger.UnnecessaryUsd,
            SequentialLatencySeconds = baseline.LatencySeconds,
            SequentialCostUsd = baseline.CostUsd,
            Rounds = replay.Rounds.Count,
            MeanDepth = replay.Rounds.Count == 0 ? 0 : (double)replay.DepthSum / replay.Rounds.Count,
            PeakConcurrentCalls = replay.PeakConcurrentCalls,
            Calls = ledger.Calls,
            CancelledCalls = ledger.CancelledCalls,
            AcceptedDrafts = engine.AcceptedDrafts,
            MatchesTargetPlan = engine.Status == EngineStatus.Completed && SamePlan(engine.Verified, baseline.Plan),
            ExactJudge = judge.IsExact,
        };
        return new SimulatedPlan(metrics, engine.Verified, engine.Verdicts, replay.Rounds, replay.Calls, engine.FailureReason)
        {
            JudgedDrafts = engine.JudgedDrafts,
            Predictions = replay.Predictions,
        };
    }

    /// <summary>The plan of the target alone: its steps through the first TERMINATE.</summary>
    public static IReadOnlyList<string> TargetPlan(AgentTrace trace)
    {
        var plan = new List<string>(trace.Steps.Count);
        foreach (var step in trace.Steps)
        {
            plan.Add(step.Target.Text);
            if (PlanSteps.IsTerminate(step.Target.Text))
            {
                break;
            }
        }

        return plan;
    }

    /// <summary>The target alone on the trace, worked out once per trace (prices are fixed per simulator).</summary>
    private TargetAlone Baseline(AgentTrace trace, CostLedger ledger)
    {
        if (!_baselines.TryGetValue(trace, out var baseline))
        {
            var plan = TargetPlan(trace);
            double latency = 0, cost = 0;
            for (var i = 0; i < plan.Count; i++)
            {
                var target = trace.Steps[i].Target;
                latency += target.LatencySeconds;
                cost += ledger.CostOf(AgentRole.Target, new CallUsage(target.PromptTokens, target.CompletionTokens, target.LatencySeconds));
            }

            baseline = new TargetAlone(plan, latency, cost);
            _baselines[trace] = baseline;
        }

        return baseline;
    }

    private static bool SamePlan(IReadOnlyList<string> plan, IReadOnlyList<string> targetPlan)
    {
        if (plan.Count != targetPlan.Count)
        {
            return false;
        }

        for (var i = 0; i < plan.Count; i++)
        {
            if (!string.Equals(plan[i], targetPlan[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private sealed record TargetAlone(IReadOnlyList<string> Plan, double LatencySeconds, double CostUsd);

    private record struct Call(AgentRole Role, int Position, int Round, double Start, double Finish);

    /// <summary>One replay's event loop.</summary>
    private sealed class Replay(AgentTrace trace, SpeculationEngine engine, CostLedger ledger, SimulationOptions options, List<Call> running)
    {
        public double Now { get; private set; }

        public int PeakConcurrentCalls { get; private set; }

        public List<RoundOutcome> Rounds { get; } = [];

        public int DepthSum { get; private set; }

        public List<CallRecord>? Calls { get; } = options.RecordCalls ? [] : null;

        /// <summary>The acceptance the policy predicted for each draft it decided after, when it predicts one.</summary>
        public List<DraftPrediction> Predictions { get; } = [];

        private ChainMemo _memo;
        private PolicyState _roundStart = null!;

        public void Run(ISpeculationPolicy policy)
        {
            running.Clear();
            while (true)
            {
                if (engine.Status == EngineStatus.AwaitingRound)
                {
                    _roundStart = PolicyState.AtRoundStart(trace.Task, engine);
                    var decision = policy.AtRoundStart(new RoundStartRequest(_roundStart, engine.Rounds));
                    _memo = decision.Memo;
                    Apply(engine.BeginRound(decision.GoOn));
                    continue;
                }

                if (engine.Status != EngineStatus.Running)
                {
                    return;
                }

                if (running.Count == 0)
                {
                    throw new InvalidOperationException($"Replay of '{trace.Id}' stalled: the engine waits on no running call.");
                }

                var next = NextToFinish();
                var call = running[next];
                if (call.Finish > Now)
                {
                    // Time moves on: the calls running now ran together for a while.
                    PeakConcurrentCalls = Math.Max(PeakConcurrentCalls, running.Count);
                    Now = call.Finish;
                }

                running.RemoveAt(next);
                var recorded = Recorded(call);
                Record(call, new CallUsage(recorded.PromptTokens, recorded.CompletionTokens, recorded.LatencySeconds));
                Apply((recorded.Failed, call.Role) switch
                {
                    (false, AgentRole.Draft) => engine.DraftCompleted(call.Position, recorded.Text, GoesOn(policy, call, recorded)),
                    (false, AgentRole.Target) => engine.TargetCompleted(call.Position, recorded.Text),
                    (true, AgentRole.Draft) => engine.DraftFailed(call.Position),
                    _ => engine.TargetFailed(call.Position, "the recorded call failed"),
                });
            }
        }

        /// <summary>Asks the policy whether the chain goes on after a finished draft, with what the draft's activity
        /// would know: the prefix it was conditioned on and the run's counts at the round's start.</summary>
        private bool GoesOn(ISpeculationPolicy policy, in Call call, TraceCall draft)
        {
            var offset = call.Position - engine.Position;
            var state = _roundStart with { History = engine.PrefixView(call.Position), DraftsInRound = offset };
            var decision = policy.AfterDraft(new DraftFinishedRequest(state, call.Round, draft.Text, draft.LatencySeconds, _memo));
            _memo = decision.Memo;
            if (decision.Acceptance is { } acceptance)
            {
                Predictions.Add(new DraftPrediction(call.Round, call.Position, acceptance));
            }

            return decision.GoOn;
        }

        private void Apply(IReadOnlyList<EngineCommand> commands)
        {
            for (var i = 0; i < commands.Count; i++)
            {
                var command = commands[i];
                switch (command.Kind)
                {
                    case EngineCommandKind.StartDraft:
                        Start(AgentRole.Draft, command.Position);
                        break;
                    case EngineCommandKind.StartTarget:
                        Start(AgentRole.Target, command.Position);
                        break;
                    case EngineCommandKind.CancelDraft:
                        Cancel(AgentRole.Draft, command.Position);
                        break;
                    case EngineCommandKind.CancelTarget:
                        Cancel(AgentRole.Target, command.Position);
                        break;
                    case EngineCommandKind.RoundEnded or EngineCommandKind.Completed or EngineCommandKind.Failed:
                        ledger.CloseRound(engine.LastRound);
                        Rounds.Add(engine.LastRound);
                        DepthSum += engine.LastRound.Depth;
                        break;
                }
            }
        }

        private void Start(AgentRole role, int position)
        {
            var recorded = role == AgentRole.Draft ? trace.Steps[position].Draft : trace.Steps[position].Target;
            running.Add(new Call(role, position, engine.Rounds - 1, Now, Now + recorded.LatencySeconds));
        }

        private void Cancel(AgentRole role, int position)
        {
            var index = 0;
            while (running[index].Role != role || running[index].Position != position)
            {
                index++;
            }

            var call = running[index];
            running.RemoveAt(index);
            var elapsed = Now - call.Start;
            if (elapsed <= 0)
            {
                return; // cancelled the moment it would have started: never started
            }

            var recorded = Recorded(call);
            var completion = options.CancelledCallBilling == CancelledCallBilling.FullCompletion
                ? recorded.CompletionTokens
                : (int)(recorded.CompletionTokens * elapsed / recorded.LatencySeconds); // whole tokens streamed so far
            Record(call, new CallUsage(recorded.PromptTokens, completion, elapsed, Cancelled: true));
        }

        private void Record(in Call call, CallUsage usage)
        {
            var cost = ledger.Record(call.Role, call.Position, usage);
            Calls?.Add(new CallRecord(call.Role, call.Position, call.Round, call.Start, usage, cost));
        }

        private TraceCall Recorded(in Call call) =>
            call.Role == AgentRole.Draft ? trace.Steps[call.Position].Draft : trace.Steps[call.Position].Target;

        /// <summary>The running call that finishes first; at equal times drafts first (a draft that finishes as its
        /// target does counts as finished by then), then the earlier position.</summary>
        private int NextToFinish()
        {
            var best = 0;
            for (var i = 1; i < running.Count; i++)
            {
                var c = running[i];
                var b = running[best];
                if (c.Finish < b.Finish
                    || (c.Finish == b.Finish && (c.Role < b.Role || (c.Role == b.Role && c.Position < b.Position))))
                {
                    best = i;
                }
            }

            return best;
        }
    }
}
