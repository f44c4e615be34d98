using System.Globalization;
using Dsp.Cli.Benchmarking;
using Dsp.Core.Metrics;
using Spectre.Console;

namespace Dsp.Cli.Reports;

/// <summary>
/// Writes the console report: the trace set, one table row per policy (per setting for dsp), the fidelity check,
/// the dsp stream, the replay rate and the dsp sweep's time.
/// </summary>
internal static class ResultsTable
{
    private static readonly CultureInfo _invariant = CultureInfo.InvariantCulture;

    public static void Write(IAnsiConsole console, BenchResult result)
    {
        var passes = result.Passes == 1 ? string.Empty : Invariant($", {result.Passes:N0} passes per policy");
        var sources = Markup.Escape(string.Join(", ", result.Sources.Select(Path.GetFileName)));
        console.MarkupLine(Invariant($"[bold]{result.Traces.Count:N0} traces, {result.Steps:N0} steps[/] from {sources}{passes}"));
        console.Write(Table(result.Runs));

        if (result.Runs.FirstOrDefault(r => r.IsRecorded) is { } recorded)
        {
            var simulated = recorded.Summary.LatencySeconds / result.Passes;
            console.WriteLine(Invariant(
                $"Fidelity: recorded runs took {result.RecordedElapsedSeconds:N2} s; replaying their depths takes {simulated:N2} s (simulated/recorded {simulated / result.RecordedElapsedSeconds:0.000})."));
        }

        if (result.Dsp is { } dsp)
        {
            console.WriteLine(Stream(dsp));
        }

        if (result.Adaptive is { } adaptive)
        {
            console.WriteLine(Stream(adaptive, result.Passes));
            if (Capture.Of(result) is { } capture)
            {
                console.WriteLine(capture.ToString());
            }
        }

        if (result.ReplayedPolicies > 0)
        {
            var seconds = result.ReplayTime.TotalSeconds;
            console.WriteLine(Invariant(
                $"Replayed {result.ReplayedSteps:N0} steps in {seconds:0.00} s ({Rate(result.ReplayedSteps / seconds)}, one thread)"));
        }

        if (result.Dsp is { } sweep)
        {
            console.WriteLine(Invariant(
                $"dsp sweep: {Count(sweep.Streams.Count, "stream")} in {sweep.WallTime.TotalSeconds:0.00} s wall time ({(sweep.Streams.Count > 1 ? "in parallel, " : string.Empty)}training included)"));
        }

        if (result.Adaptive is { } adaptiveSweep)
        {
            console.WriteLine(Invariant(
                $"adaptive sweep: {Count(adaptiveSweep.Streams.Count, "stream")} in {adaptiveSweep.WallTime.TotalSeconds:0.00} s wall time ({(adaptiveSweep.Streams.Count > 1 ? "in parallel, " : string.Empty)}training included)"));
        }
    }

    /// <summary>What every adaptive stream saw, and how its predictions were calibrated on the last pass.</summary>
    private static string Stream(AdaptiveSweepResult adaptive, int passes)
    {
        var options = adaptive.Sweep.Options;
        var retraining = options.RetrainEvery == 0 ? "never retrained" : $"retrained every {Count(options.RetrainEvery, "task")}";
        var start = options.InitialModel is null ? "cold start included" : "starting from the given acceptance model";
        var calibration = adaptive.Streams.Select(s => s.CalibrationByPass[^1]).Where(c => c.Predictions > 0).ToList();
        var ece = calibration.Count == 0
            ? string.Empty
            : Invariant($"; on pass {passes} its predictions' calibration error (ECE) is {calibration.Min(c => c.ExpectedCalibrationError):0.000}–{calibration.Max(c => c.ExpectedCalibrationError):0.000}");
        return Invariant($"adaptive: {Count(adaptive.Streams.Count, "value")} of time, {retraining}, {start}{ece}");
    }

    /// <summary>What every dsp stream saw: e.g. <c>dsp: 20 settings, 90 tasks each (3 passes), retrained every 5 tasks, cold start included</c>.</summary>
    private static string Stream(DspSweepResult dsp)
    {
        var options = dsp.Sweep.Options;
        var retraining = options.RetrainEvery == 0 ? "never retrained" : $"retrained every {Count(options.RetrainEvery, "task")}";
        var start = options.InitialSnapshot is { } snapshot
            ? Invariant($"starting from snapshot version {snapshot.Version}")
            : "cold start included";
        return Invariant(
            $"dsp: {Count(dsp.Streams.Count, "setting")}, {dsp.TasksPerStream:N0} tasks each ({Count(options.Passes, "pass", "passes")}), {retraining}, {start}");
    }

    private static Table Table(IReadOnlyList<PolicyRun> runs)
    {
        // The predictor's accuracy only exists for dsp rows, the calibration of the predictions for adaptive rows.
        var learned = runs.Any(r => r.Summary.Tau is not null);
        var calibrated = runs.Any(r => r.IsAdaptive);
        var table = new Table()
            .AddColumn("Policy")
            .AddColumn(Right("Tasks"))
            .AddColumn(Right("Latency (s)"))
            .AddColumn(Right("×seq"))
            .AddColumn(Right("Cost ($)"))
            .AddColumn(Right("×seq"))
            .AddColumn(Right("Unnecessary ($)"))
            .AddColumn(Right("ΔTime %"))
            .AddColumn(Right("ΔCost %"))
            .AddColumn(Right("Mean depth"))
            .AddColumn(Right("Peak calls"));
        if (learned)
        {
            table.AddColumn(Right("Accuracy"));
        }

        if (calibrated)
        {
            table.AddColumn(Right("ECE"));
        }

        table.AddColumn("Lossless");
        foreach (var run in runs)
        {
            var s = run.Summary;
            string[] cells =
            [
                Markup.Escape(run.Label),
                Invariant($"{s.Tasks:N0}"),
                Invariant($"{s.LatencySeconds:N1}"),
                Invariant($"{s.LatencyRatio:0.000}"),
                Invariant($"{s.CostUsd:N4}"),
                Invariant($"{s.CostRatio:0.000}"),
                Invariant($"{s.UnnecessaryCostUsd:N4}"),
                Invariant($"{s.DeltaTimePercent:+0.0;-0.0;0.0}"),
                Invariant($"{s.DeltaCostPercent:+0.0;-0.0;0.0}"),
                Invariant($"{s.MeanDepth:0.00}"),
                Invariant($"{s.PeakConcurrentCalls:0.00}"),
                .. learned ? [s.PredictorAccuracy is { } accuracy ? Invariant($"{accuracy * 100:0.0}%") : string.Empty] : Array.Empty<string>(),
                .. calibrated ? [run.Adaptive?.Calibration is { Predictions: > 0 } c ? Invariant($"{c.ExpectedCalibrationError:0.000}") : string.Empty] : Array.Empty<string>(),
                Lossless(s),
            ];
            table.AddRow(cells);
        }

        return table;
    }

    /// <summary>"approx." when every plan matched the target's but the judge was not exact, so equality was observed, not guaranteed.</summary>
    private static string Lossless(PolicySummary summary) =>
        summary.Lossless ? "yes" : summary.MatchesTargetPlan ? "approx." : "no";

    private static TableColumn Right(string header) => new TableColumn(header).RightAligned();

    private static string Rate(double stepsPerSecond) => stepsPerSecond >= 1e6
        ? Invariant($"{stepsPerSecond / 1e6:0.00} M steps/s")
        : Invariant($"{stepsPerSecond / 1e3:0.00} k steps/s");

    /// <summary>"1 setting", "20 settings".</summary>
    private static string Count(int count, string noun, string? plural = null) =>
        Invariant($"{count:N0} {(count == 1 ? noun : plural ?? noun + "s")}");

    private static string Invariant(FormattableString text) => text.ToString(_invariant);
}
