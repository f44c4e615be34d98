using System.Text.Json.Serialization;
using Dsp.Cli.Benchmarking;
using Dsp.Core.Acceptance;

namespace Dsp.Cli.Reports;

/// <summary>The machine-readable form of a bench run, as <c>--json</c> writes it.</summary>
/// <param name="Traces">Traces in the trace set, counted once.</param>
/// <param name="Steps">Steps in the trace set, counted once.</param>
/// <param name="Results">One result per policy (per setting for dsp).</param>
internal sealed record BenchReport(int Traces, int Steps, IReadOnlyList<PolicyResult> Results)
{
    public static BenchReport From(BenchResult result) => new(
        result.Traces.Count,
        result.Steps,
        [.. result.Runs.Select(run => PolicyResult.From(run, result))]);
}

/// <summary>
/// One policy's figures (see <see cref="Core.Metrics.PolicySummary"/>), as the JSON and CSV reports write them. Only
/// the recorded policy has the recorded runs' time; only dsp rows have τ, β and the predictor accuracy (which a dsp
/// setting that never predicted, because it was never trained, lacks); only adaptive rows have the value of time and
/// the calibration of the acceptance predictions behind their decisions, over all passes and pass by pass.
/// </summary>
internal sealed record PolicyResult(
    string Policy,
    int Tasks,
    double LatencySeconds,
    double LatencyRatio,
    double CostUsd,
    double CostRatio,
    double UnnecessaryCostUsd,
    double DeltaTimePercent,
    double DeltaCostPercent,
    double MeanDepth,
    double PeakConcurrentCalls,
    double Rounds,
    bool Lossless,
    bool MatchesTargetPlan,
    double SequentialLatencySeconds,
    double SequentialCostUsd,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? RecordedElapsedSeconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? Tau,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Offset,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? PredictorAccuracy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? ValueOfTime = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Calibration? Calibration = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<Calibration>? CalibrationByPass = null)
{
    /// <summary>The result of <paramref name="run"/>.</summary>
    public static PolicyResult From(PolicyRun run, BenchResult result)
    {
        var s = run.Summary;
        return new PolicyResult(
            s.Policy,
            s.Tasks,
            s.LatencySeconds,
            s.LatencyRatio,
            s.CostUsd,
            s.CostRatio,
            s.UnnecessaryCostUsd,
            s.DeltaTimePercent,
            s.DeltaCostPercent,
            s.MeanDepth,
            s.PeakConcurrentCalls,
            s.Rounds,
            s.Lossless,
            s.MatchesTargetPlan,
            s.SequentialLatencySeconds,
            s.SequentialCostUsd,
            run.IsRecorded ? result.RecordedElapsedSeconds : null,
            s.Tau,
            s.Offset,
            s.PredictorAccuracy,
            s.ValueOfTime,
            run.Adaptive?.Calibration,
            run.Adaptive?.CalibrationByPass);
    }
}

/// <summary>Source-generated JSON serialization of <see cref="BenchReport"/> (camelCase, indented).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class BenchReportJsonContext : JsonSerializerContext;
