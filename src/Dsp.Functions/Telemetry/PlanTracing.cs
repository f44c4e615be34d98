using System.Diagnostics;
using Dsp.Agents;
using Dsp.Core.Agents;
using Dsp.Core.Runs;
using Dsp.Functions.Planning;

namespace Dsp.Functions.Telemetry;

/// <summary>
/// The app's OpenTelemetry spans (activity source <c>Dsp.Plans</c>): a <c>dsp.call</c> span per model call and a
/// <c>dsp.plan</c> span per recorded run. Names and attributes are stable and documented in the README. Spans are made
/// by activities only: the orchestrator replays, so a span made there would be emitted again on every replay.
/// </summary>
public static class PlanTracing
{
    /// <summary>The activity source's name, to subscribe to (e.g. <c>AddSource</c>).</summary>
    public const string ActivitySourceName = "Dsp.Plans";

    /// <summary>The span of one Draft or Target call.</summary>
    public const string CallSpanName = "dsp.call";

    /// <summary>The span of one plan, from its start to its end.</summary>
    public const string PlanSpanName = "dsp.plan";

    private static readonly ActivitySource Source = new(ActivitySourceName);

    /// <summary>
    /// Starts the span of a call, a child of the current span (the durable activity's, when durable tracing is on);
    /// null when nobody listens.
    /// </summary>
    public static Activity? StartCall(CallInput input, IStepAgent agent)
    {
        var tags = new ActivityTagsCollection
        {
            ["dsp.run_id"] = input.RunId,
            ["dsp.profile"] = input.Agents,
            ["dsp.role"] = PlanTelemetry.RoleName(input.Call.Role),
            ["dsp.round"] = input.Call.Round,
            ["dsp.position"] = input.Call.Position,
            ["dsp.model"] = agent.Model,
        };
        if (agent is ChatStepAgent chat)
        {
            tags["dsp.deployment"] = chat.Deployment;
        }

        return Source.StartActivity(CallSpanName, ActivityKind.Client, parentContext: default, tags);
    }

    /// <summary>Adds what the call consumed and how it ended; a failed call's span has the error status and message.</summary>
    public static void EndCall(Activity? span, CallOutcome outcome)
    {
        if (span is null)
        {
            return;
        }

        var usage = outcome.Usage;
        span.SetTag("dsp.call.outcome", usage.Cancelled ? "cancelled" : outcome.Step is null ? "failed" : "completed");
        span.SetTag("dsp.cancelled", usage.Cancelled);
        span.SetTag("dsp.call.prompt_tokens", usage.PromptTokens);
        span.SetTag("dsp.call.completion_tokens", usage.CompletionTokens);
        span.SetTag("dsp.call.cost", outcome.CostUsd);
        span.SetTag("dsp.call.retries", usage.Retries);
        if (!usage.Cancelled && outcome.Step is null)
        {
            span.SetStatus(ActivityStatusCode.Error, outcome.Error);
        }
    }

    /// <summary>
    /// Emits the span of a finished run, timed as the run was: it ends at <see cref="RunRecord.CompletedAt"/> and lasts
    /// <see cref="RunRecord.LatencySeconds"/>. Call it once per run (when the run is first stored).
    /// </summary>
    public static void RecordPlan(RunRecord run)
    {
        var end = run.CompletedAt;
        var tags = new ActivityTagsCollection
        {
            ["dsp.run_id"] = run.RunId,
            ["dsp.profile"] = run.Agents,
            ["dsp.outcome"] = run.Outcome,
            ["dsp.plan.latency"] = run.LatencySeconds,
            ["dsp.plan.cost"] = run.CostUsd,
            ["dsp.plan.unnecessary_cost"] = run.UnnecessaryCostUsd,
            ["dsp.plan.depth"] = run.MeanDepth,
            ["dsp.plan.rounds"] = run.Rounds,
            ["dsp.plan.steps"] = run.Steps,
            ["dsp.plan.calls"] = run.Calls,
            ["dsp.plan.cancellations"] = run.CancelledCalls,
            ["dsp.plan.retries"] = run.Retries,
            ["dsp.plan.lossless"] = run.Lossless,
        };
        using var span = Source.StartActivity(
            PlanSpanName, ActivityKind.Internal, parentContext: default, tags, links: null, startTime: end - TimeSpan.FromSeconds(run.LatencySeconds));
        if (span is null)
        {
            return;
        }

        span.SetEndTime(end.UtcDateTime);
        if (run.Outcome == PlanOutcomes.Failed)
        {
            span.SetStatus(ActivityStatusCode.Error);
        }
    }
}
