using Dsp.Core.Acceptance;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Dsp.Functions.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Dsp.Functions.Http;

/// <summary><c>GET /api/policy</c>: the published policy, the one this instance serves (its value model for dsp, its
/// acceptance model — or the prior — for adaptive), and how recent plans went.</summary>
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
            RecentMetrics.Of(recent),
            AcceptanceStatus.Of(serving, provider.Prior, current)));
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
/// <param name="Acceptance">The adaptive policy's acceptance model in service.</param>
public sealed record PolicyStatus(
    long Version,
    long ServingVersion,
    DateTimeOffset? TrainedAt,
    int TrainedOnTransitions,
    float? TrainingLoss,
    DateTimeOffset? Watermark,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    RecentMetrics Recent,
    AcceptanceStatus Acceptance);

/// <summary>The acceptance model the adaptive policy decides with.</summary>
/// <param name="Source"><c>prior</c> until a retraining publishes one, then <c>trained</c>; <c>none</c> when neither
/// exists (the policy chains a fixed number of drafts).</param>
/// <param name="Version">The snapshot version it came with (0: the prior).</param>
/// <param name="Prior">Where the prior came from.</param>
/// <param name="TrainedOnExamples">The judged drafts it was trained on.</param>
/// <param name="Fit">Its calibration on its own training data, each draft predicted from the runs before it.</param>
/// <param name="HeldOut">How well the model in service before the published version predicted the drafts judged
/// since it was trained (the honest measure; null before a second training).</param>
public sealed record AcceptanceStatus(string Source, long Version, string Prior, int TrainedOnExamples, Calibration? Fit, Calibration? HeldOut)
{
    public static AcceptanceStatus Of(PolicySnapshot? serving, PriorPolicy prior, PublishedPolicy published) =>
        serving?.Acceptance is { } trained
            ? new AcceptanceStatus("trained", serving.Version, prior.Source, trained.TrainedOnExamples, trained.Fit, published.Calibration)
            : prior.Model is { } model
                ? new AcceptanceStatus("prior", 0, prior.Source, model.TrainedOnExamples, model.Fit, null)
                : new AcceptanceStatus("none", 0, prior.Source, 0, null, null);
}

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
