using System.Globalization;

namespace Dsp.Cli.Reports;

/// <summary>Writes <c>--csv</c>: a header line, then one line per policy with the JSON report's fields (empty where a row lacks one).</summary>
internal static class CsvReport
{
    private static readonly (string Name, Func<PolicyResult, string> Value)[] _columns =
    [
        ("policy", r => r.Policy),
        ("tasks", r => Number(r.Tasks)),
        ("latencySeconds", r => Number(r.LatencySeconds)),
        ("latencyRatio", r => Number(r.LatencyRatio)),
        ("costUsd", r => Number(r.CostUsd)),
        ("costRatio", r => Number(r.CostRatio)),
        ("unnecessaryCostUsd", r => Number(r.UnnecessaryCostUsd)),
        ("deltaTimePercent", r => Number(r.DeltaTimePercent)),
        ("deltaCostPercent", r => Number(r.DeltaCostPercent)),
        ("meanDepth", r => Number(r.MeanDepth)),
        ("peakConcurrentCalls", r => Number(r.PeakConcurrentCalls)),
        ("rounds", r => Number(r.Rounds)),
        ("lossless", r => Boolean(r.Lossless)),
        ("matchesTargetPlan", r => Boolean(r.MatchesTargetPlan)),
        ("sequentialLatencySeconds", r => Number(r.SequentialLatencySeconds)),
        ("sequentialCostUsd", r => Number(r.SequentialCostUsd)),
        ("recordedElapsedSeconds", r => Optional(r.RecordedElapsedSeconds)),
        ("tau", r => Optional(r.Tau)),
        ("offset", r => Optional(r.Offset)),
        ("predictorAccuracy", r => Optional(r.PredictorAccuracy)),
        ("valueOfTime", r => Optional(r.ValueOfTime)),
        ("logLoss", r => Optional(r.Calibration?.LogLoss)),
        ("brier", r => Optional(r.Calibration?.Brier)),
        ("expectedCalibrationError", r => Optional(r.Calibration?.ExpectedCalibrationError)),
        ("lastPassExpectedCalibrationError", r => Optional(r.CalibrationByPass?[^1].ExpectedCalibrationError)),
    ];

    public static void Write(string path, BenchReport report)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine(string.Join(',', _columns.Select(c => c.Name)));
        foreach (var result in report.Results)
        {
            writer.WriteLine(string.Join(',', _columns.Select(c => c.Value(result))));
        }
    }

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The value, or an empty field on the rows that lack it.</summary>
    private static string Optional<T>(T? value)
        where T : struct, IFormattable => value?.ToString(null, CultureInfo.InvariantCulture) ?? string.Empty;

    private static string Boolean(bool value) => value ? "true" : "false";
}
