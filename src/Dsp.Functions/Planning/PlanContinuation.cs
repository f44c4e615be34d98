using Dsp.Core.Costs;
using Dsp.Core.Engine;
using Dsp.Core.Planning;
using Dsp.Core.Runs;

namespace Dsp.Functions.Planning;

/// <summary>
/// How much of a plan one orchestration execution holds. Durable replays an execution's whole history at every step,
/// so a plan that kept one execution would take longer per step the longer it ran; after <see cref="Rounds"/> rounds,
/// or once the execution's record reaches <see cref="ContentCharacters"/>, the plan continues as new, carrying only
/// counters and references.
/// </summary>
/// <param name="Rounds">Rounds per execution.</param>
/// <param name="ContentCharacters">Characters of steps (verified, drafted, proposed) per execution: bounds what the
/// execution's history and output hold when steps are long.</param>
/// <param name="InlineContextCharacters">How many characters of task and verified steps calls may carry inline before
/// they are stored once as a context chunk and referred to.</param>
public sealed record ExecutionLimits(int Rounds, int ContentCharacters, int InlineContextCharacters)
{
    /// <summary>The defaults (README, "On the real Durable backend", gives the measurement behind them).</summary>
    public static ExecutionLimits Default { get; } = new(Rounds: 10, ContentCharacters: 256 * 1024, InlineContextCharacters: 4 * 1024);
}

/// <summary>What one orchestration execution hands on to the next when the plan continues as new: counters and
/// references, never the plan's history, so that every execution starts small.</summary>
/// <param name="Execution">The number of the execution it starts (the first is 0).</param>
/// <param name="StartedAt">When the plan started (UTC).</param>
/// <param name="Engine">The engine's state between rounds.</param>
/// <param name="Context">What of the plan's context is stored.</param>
/// <param name="UnsavedSteps">The verified steps after the stored ones.</param>
/// <param name="Segments">The stored records of the executions so far.</param>
/// <param name="Tally">What the executions so far billed and counted.</param>
/// <param name="PolicyVersion">The policy version that decided, once known.</param>
/// <param name="RecentSteps">The last verified steps, shortened as the custom status shows them.</param>
public sealed record PlanContinuation(
    int Execution,
    DateTime StartedAt,
    EngineSnapshot Engine,
    SavedContext Context,
    IReadOnlyList<string> UnsavedSteps,
    IReadOnlyList<string> Segments,
    PlanTally Tally,
    long? PolicyVersion,
    IReadOnlyList<string> RecentSteps);

/// <summary>A plan's bill and counts over whole rounds: what its run summary is made of.</summary>
/// <param name="CostUsd">Every call's cost.</param>
/// <param name="UnnecessaryCostUsd">The cost of calls the plan did not need.</param>
/// <param name="SequentialLatencySeconds">The target alone: the latencies of the target calls that verified steps.</param>
/// <param name="SequentialCostUsd">The target alone: their cost.</param>
/// <param name="Calls">Calls made.</param>
/// <param name="CancelledCalls">Of them, cancelled.</param>
/// <param name="Retries">Retries of those calls.</param>
/// <param name="Rounds">Rounds ended.</param>
/// <param name="Depths">Their depths, added up.</param>
/// <param name="DraftedSteps">Verified positions that had a draft: the run's transitions, once it completes.</param>
/// <param name="Latencies">The finished calls' latencies, for the next event's estimate.</param>
public sealed record PlanTally(
    double CostUsd,
    double UnnecessaryCostUsd,
    double SequentialLatencySeconds,
    double SequentialCostUsd,
    int Calls,
    int CancelledCalls,
    int Retries,
    int Rounds,
    int Depths,
    int DraftedSteps,
    CallLatencies Latencies)
{
    public static PlanTally Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, default);

    /// <summary>This tally with <paramref name="rounds"/> and their calls billed, round by round, so that waste is judged
    /// by each round's own outcome.</summary>
    public PlanTally With(IReadOnlyList<RoundOutcome> rounds, IReadOnlyList<DraftVerdict> verdicts, IReadOnlyList<(CallKey Key, CallOutcome Outcome)> calls)
    {
        var ledger = new CostLedger();
        var byRound = calls.ToLookup(c => c.Key.Round);
        double sequentialLatency = 0, sequentialCost = 0;
        foreach (var round in rounds)
        {
            foreach (var (key, outcome) in byRound[round.Index])
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

        return new PlanTally(
            CostUsd + ledger.TotalUsd,
            UnnecessaryCostUsd + ledger.UnnecessaryUsd,
            SequentialLatencySeconds + sequentialLatency,
            SequentialCostUsd + sequentialCost,
            Calls + calls.Count,
            CancelledCalls + calls.Count(c => c.Outcome.Usage.Cancelled),
            Retries + calls.Sum(c => c.Outcome.Usage.Retries),
            Rounds + rounds.Count,
            Depths + rounds.Sum(r => r.Depth),
            DraftedSteps + verdicts.Count(v => v != DraftVerdict.NotDrafted),
            Latencies);
    }
}
