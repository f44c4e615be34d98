using Dsp.Core.Runs;
using Dsp.Functions.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Dsp.Functions.Http;

/// <summary><c>GET /api/policy</c>: the published policy, the one this instance serves, and how recent plans went.</summary>
public sealed class PolicyApi(IPolicyStore policies, IRunStore runs, PolicyProvider provider)
{
    private const int RecentRuns = 50;

    [Function(nameof(GetPolicy))]
    public async Task<IActionResult> GetPolicy(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "policy")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var current = await policies.GetCurrentAsync(cancellationToken) ?? new PublishedPolicy(0, null, 0, 0, null);
        var serving = await provider.CurrentAsync(cancellationToken);
        var recent = (await runs.RecentAsync(RecentRuns, cancellationToken)).Where(r => r.Outcome == "Completed").ToList();
        return new OkObjectResult(new PolicyStatus(
            current.Version,
            serving?.Version ?? 0,
            current.TrainedAt,
            current.TrainedOnTransitions,
            current.Version > 0 && float.IsFinite(current.TrainingLoss) ? current.TrainingLoss : null,
            current.Watermark,
            current.LastError,
            current.LastErrorAt,
            RecentMetrics.Of(recent)));
    }
}

/// <summary>The published policy and the one in service.</summary>
/// <param name="Version">The published version (0: none yet).</param>
/// <param name="ServingVersion">The version this instance plans with: the published one unless it could not be
/// loaded (see <paramref name="LastError"/>); 0 is the cold start.</param>
/// <param name="TrainedAt">When the published version was trained.</param>
/// <param name="TrainedOnTransitions">How many transitions it was trained on.</param>
/// <param name="TrainingLoss">Its final training loss; null before the first version, or when training ended without a
/// finite loss.</param>
/// <param name="Watermark">The newest transition's recording time it saw.</param>
/// <param name="LastError">The last training or load failure.</param>
/// <param name="LastErrorAt">When it happened.</param>
/// <param name="Recent">How the most recent completed plans went.</param>
public sealed record PolicyStatus(
    long Version,
    long ServingVersion,
    DateTimeOffset? TrainedAt,
    int TrainedOnTransitions,
    float? TrainingLoss,
    DateTimeOffset? Watermark,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    RecentMetrics Recent);

/// <summary>How the most recent completed plans went, against the target alone.</summary>
public sealed record RecentMetrics(int Plans, double MeanLatencyRatio, double MeanCostRatio, double MeanDepth, double LosslessShare)
{
    public static RecentMetrics Of(IReadOnlyList<RunRecord> runs) => runs.Count == 0
        ? new RecentMetrics(0, 0, 0, 0, 0)
        : new RecentMetrics(
            runs.Count,
            runs.Average(r => r.SequentialLatencySeconds > 0 ? r.LatencySeconds / r.SequentialLatencySeconds : 1),
            runs.Average(r => r.SequentialCostUsd > 0 ? r.CostUsd / r.SequentialCostUsd : 1),
            runs.Average(r => r.MeanDepth),
            runs.Average(r => r.Lossless ? 1.0 : 0.0));
}
