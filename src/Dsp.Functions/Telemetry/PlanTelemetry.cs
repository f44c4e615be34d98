using System.Diagnostics.Metrics;
using Dsp.Core.Planning;
using Dsp.Core.Runs;

namespace Dsp.Functions.Telemetry;

/// <summary>The app's OpenTelemetry metrics (meter <c>Dsp.Plans</c>); names are stable and documented in the README.</summary>
public sealed class PlanTelemetry
{
    public const string MeterName = "Dsp.Plans";

    private readonly Histogram<double> _latency;
    private readonly Histogram<double> _cost;
    private readonly Histogram<double> _unnecessaryCost;
    private readonly Histogram<double> _depth;
    private readonly Histogram<int> _rounds;
    private readonly Counter<long> _plans;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _tokens;
    private readonly Counter<double> _callCost;

    public PlanTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _latency = meter.CreateHistogram<double>("dsp.plan.latency", "s", "End-to-end plan latency");
        _cost = meter.CreateHistogram<double>("dsp.plan.cost", "USD", "Cost of a plan's model calls");
        _unnecessaryCost = meter.CreateHistogram<double>("dsp.plan.unnecessary_cost", "USD", "Cost of rejected drafts and calls past a mismatch");
        _depth = meter.CreateHistogram<double>("dsp.plan.depth", "{call}", "Mean speculation depth of a plan");
        _rounds = meter.CreateHistogram<int>("dsp.plan.rounds", "{round}", "Speculation rounds of a plan");
        _plans = meter.CreateCounter<long>("dsp.plans", "{plan}", "Plans finished, by outcome");
        _calls = meter.CreateCounter<long>("dsp.calls", "{call}", "Model calls, by role and whether they were cancelled");
        _tokens = meter.CreateCounter<long>("dsp.tokens", "{token}", "Billed tokens, by role and kind");
        _callCost = meter.CreateCounter<double>("dsp.call.cost", "USD", "Cost of model calls, by role");
    }

    public void RecordRun(RunRecord run)
    {
        var outcome = new KeyValuePair<string, object?>("dsp.outcome", run.Outcome);
        _plans.Add(1, outcome);
        _latency.Record(run.LatencySeconds, outcome);
        _cost.Record(run.CostUsd, outcome);
        _unnecessaryCost.Record(run.UnnecessaryCostUsd, outcome);
        _depth.Record(run.MeanDepth, outcome);
        _rounds.Record(run.Rounds, outcome);
    }

    public void RecordCall(AgentRole role, CallUsage usage, double costUsd)
    {
        var roleTag = new KeyValuePair<string, object?>("dsp.role", role == AgentRole.Draft ? "draft" : "target");
        _calls.Add(1, roleTag, new KeyValuePair<string, object?>("dsp.cancelled", usage.Cancelled));
        _tokens.Add(usage.PromptTokens, roleTag, new KeyValuePair<string, object?>("dsp.token_kind", "prompt"));
        _tokens.Add(usage.CompletionTokens, roleTag, new KeyValuePair<string, object?>("dsp.token_kind", "completion"));
        _callCost.Add(costUsd, roleTag);
    }
}
