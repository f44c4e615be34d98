using Dsp.Core.Engine;
using Dsp.Core.Runs;

namespace Dsp.Functions.Planning;

/// <summary>What one orchestration execution of a plan verified and called: its share of the plan's result.</summary>
/// <param name="Steps">The steps it verified, in order.</param>
/// <param name="Verdicts">How each of them was decided.</param>
/// <param name="Rounds">The rounds it ran.</param>
/// <param name="JudgedDrafts">Its drafts judged on a correct prefix.</param>
/// <param name="Calls">Its model calls, in the order they ended or were cancelled.</param>
public sealed record PlanSegment(
    IReadOnlyList<string> Steps,
    IReadOnlyList<DraftVerdict> Verdicts,
    IReadOnlyList<RoundOutcome> Rounds,
    IReadOnlyList<JudgedDraft> JudgedDrafts,
    IReadOnlyList<PlanCall> Calls)
{
    public const string Kind = "segment";

    /// <summary>The segments one after another.</summary>
    public static PlanSegment Join(IReadOnlyList<PlanSegment> segments) => segments.Count == 1 ? segments[0] : new(
        [.. segments.SelectMany(s => s.Steps)],
        [.. segments.SelectMany(s => s.Verdicts)],
        [.. segments.SelectMany(s => s.Rounds)],
        [.. segments.SelectMany(s => s.JudgedDrafts)],
        [.. segments.SelectMany(s => s.Calls)]);
}

/// <summary>
/// The orchestration's output: the plan's outcome and summary, its last execution's segment and the names of the
/// stored segments before it. Its size is bounded by one execution's (<see cref="ExecutionLimits"/>) however long the
/// plan, so that reading it through the Durable client stays within the client's 4 MB gRPC messages; the whole result
/// is put together by <see cref="PlanResults"/>.
/// </summary>
/// <param name="Outcome">Completed, Failed or Stopped.</param>
/// <param name="Run">The run's summary.</param>
/// <param name="Error">Why the plan failed or was stopped.</param>
/// <param name="RecordError">Why the run could not be stored, if it could not.</param>
/// <param name="Segments">The stored segments of the earlier executions, in order.</param>
/// <param name="Last">The last execution's segment.</param>
public sealed record PlanOutput(string Outcome, RunRecord Run, string? Error, string? RecordError, IReadOnlyList<string> Segments, PlanSegment Last);

/// <summary>Puts a plan's result together from its output and stored segments.</summary>
public static class PlanResults
{
    /// <summary>The plan's result, every call of every execution included.</summary>
    /// <exception cref="InvalidOperationException">A stored segment is missing.</exception>
    public static async Task<PlanResult> ReadAsync(IPlanContentStore store, string runId, PlanOutput output, CancellationToken cancellationToken = default)
    {
        var plan = await ReadPlanAsync(store, runId, output.Segments, output.Last, cancellationToken);
        return new PlanResult(output.Outcome, plan.Steps, [.. plan.Rounds.Select(r => r.Depth)], output.Run, plan.Calls, output.Error, output.RecordError);
    }

    /// <summary>The whole plan: the stored segments, then the last.</summary>
    /// <exception cref="InvalidOperationException">A stored segment is missing.</exception>
    public static async Task<PlanSegment> ReadPlanAsync(
        IPlanContentStore store, string runId, IReadOnlyList<string> segments, PlanSegment last, CancellationToken cancellationToken = default)
    {
        if (segments.Count == 0)
        {
            return last;
        }

        var stored = await Task.WhenAll(segments.Select(async name =>
            PlanContent.Deserialize<PlanSegment>(runId, name, await store.ReadAsync(runId, name, cancellationToken))));
        return PlanSegment.Join([.. stored, last]);
    }
}
