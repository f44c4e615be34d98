using System.Diagnostics.Metrics;
using Dsp.Core.Planning;
using Dsp.Core.Runs;

namespace Dsp.Functions.Telemetry;

/// <summary>The app's OpenTelemetry metrics (meter <c>Dsp.Plans</c>); names are stable and documented in the README.</summary>
public sealed class PlanTelemetry
{
    /// <summary>The meter's name, to subscribe to (e.g. <c>AddMeter</c>).</summary>
    public const string MeterName = "Dsp.Plans";

    private readonly Histogram<double> _latency;
    private readonly Histogram<double> _cost;
    private readonly Histogram<double> _unnecessaryCost;
    private readonly Histogram<double> _depth;
    private readonly Histogram<int> _rounds;
    private readonly Histogram<int> _cancellations;
    private readonly Histogram<int> _retries;
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
        _cancellations = meter.CreateHistogram<int>("dsp.plan.cancellations", "{call}", "Calls of a plan cancelled before they finished");
        _retries = meter.CreateHistogram<int>("dsp.plan.retries", "{retry}", "Retries of a plan's model requests after transient failures");
        _plans = meter.CreateCounter<long>("dsp.plans", "{plan}", "Plans finished, by outcome");
        _calls = meter.CreateCounter<long>("dsp.calls", "{call}", "Model calls, by role and whether they were cancelled");
        _tokens = meter.CreateCounter<long>("dsp.tokens", "{token}", "Billed tokens, by role and kind");
        _callCost = meter.CreateCounter<double>("dsp.call.cost", "USD", "Cost of model calls, by role");
    }

    /// <summary>Records a finished run; call it once per run (when the run is first stored).</summary>
    public void RecordRun(RunRecord run)
    {
        var outcome = new KeyValuePair<string, object?>("dsp.outcome", run.Outcome);
        _plans.Add(1, outcome);
        _latency.Record(run.LatencySeconds, outcome);
        _cost.Record(run.CostUsd, outcome);
        _unnecessaryCost.Record(run.UnnecessaryCostUsd, outcome);
        _depth.Record(run.MeanDepth, outcome);
        _rounds.Record(run.Rounds, outcome);
        _cancellations.Record(run.CancelledCalls, outcome);
        _retries.Record(run.Retries, outcome);
    }

    /// <summary>Records a call the agent answered (finished, or cancelled with what it consumed).</summary>
    public void RecordCall(AgentRole role, CallUsage usage, double costUsd)
    {
        var roleTag = new KeyValuePair<string, object?>("dsp.role", RoleName(role));
        _calls.Add(1, roleTag, new KeyValuePair<string, object?>("dsp.cancelled", usage.Cancelled));
        _tokens.Add(usage.PromptTokens, roleTag, new KeyValuePair<string, object?>("dsp.token_kind", "prompt"));
        _tokens.Add(usage.CompletionTokens, roleTag, new KeyValuePair<string, object?>("dsp.token_kind", "completion"));
        _callCost.Add(costUsd, roleTag);
    }

    /// <summary>The <c>dsp.role</c> of metrics and spans.</summary>
    internal static string RoleName(AgentRole role) => role == AgentRole.Draft ? "draft" : "target";
}
