namespace Dsp.Core.Metrics;

/// <summary>Adds plans up as they finish, in constant memory, into a <see cref="PolicySummary"/>.</summary>
public sealed class PolicySummaryBuilder(string policy)
{
    private int _tasks;
    private long _steps;
    private double _latency, _cost, _unnecessary, _sequentialLatency, _sequentialCost;
    private double _deltaTime, _deltaCost, _depth, _peak, _rounds;
    private bool _lossless = true, _matches = true;

    public int Tasks => _tasks;

    public void Add(PlanMetrics plan)
    {
        _tasks++;
        _steps += plan.Steps;
        _latency += plan.LatencySeconds;
        _cost += plan.CostUsd;
        _unnecessary += plan.UnnecessaryCostUsd;
        _sequentialLatency += plan.SequentialLatencySeconds;
        _sequentialCost += plan.SequentialCostUsd;
        _deltaTime += plan.DeltaTime;
        _deltaCost += plan.DeltaCost;
        _depth += plan.MeanDepth;
        _peak += plan.PeakConcurrentCalls;
        _rounds += plan.Rounds;
        _lossless &= plan.Lossless;
        _matches &= plan.MatchesTargetPlan;
    }

    public PolicySummary Build()
    {
        if (_tasks == 0)
        {
            throw new InvalidOperationException("A summary needs at least one plan.");
        }

        return new PolicySummary
        {
            Policy = policy,
            Tasks = _tasks,
            Steps = _steps,
            LatencySeconds = _latency,
            CostUsd = _cost,
            UnnecessaryCostUsd = _unnecessary,
            SequentialLatencySeconds = _sequentialLatency,
            SequentialCostUsd = _sequentialCost,
            DeltaTimePercent = 100.0 * _deltaTime / _tasks,
            DeltaCostPercent = 100.0 * _deltaCost / _tasks,
            MeanDepth = _depth / _tasks,
            PeakConcurrentCalls = _peak / _tasks,
            Rounds = _rounds / _tasks,
            Lossless = _lossless,
            MatchesTargetPlan = _matches,
        };
    }
}
