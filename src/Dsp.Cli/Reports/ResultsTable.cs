using System.Globalization;
using Dsp.Cli.Benchmarking;
using Dsp.Core.Metrics;
using Spectre.Console;

namespace Dsp.Cli.Reports;

/// <summary>Writes the console report: the trace set, one table row per policy, the fidelity check and the replay rate.</summary>
internal static class ResultsTable
{
    private static readonly CultureInfo _invariant = CultureInfo.InvariantCulture;

    public static void Write(IAnsiConsole console, BenchResult result)
    {
        var passes = result.Repeat == 1 ? string.Empty : Invariant($", {result.Repeat:N0} passes per policy");
        var sources = Markup.Escape(string.Join(", ", result.Sources.Select(Path.GetFileName)));
        console.MarkupLine(Invariant($"[bold]{result.Traces.Count:N0} traces, {result.Steps:N0} steps[/] from {sources}{passes}"));
        console.Write(Table(result.Runs));

        if (result.Runs.FirstOrDefault(r => r.IsRecorded) is { } recorded)
        {
            var simulated = recorded.Summary.LatencySeconds / result.Repeat;
            console.WriteLine(Invariant(
                $"Fidelity: recorded runs took {result.RecordedElapsedSeconds:N2} s; replaying their depths takes {simulated:N2} s (simulated/recorded {simulated / result.RecordedElapsedSeconds:0.000})."));
        }

        var seconds = result.ReplayTime.TotalSeconds;
        console.WriteLine(Invariant(
            $"Replayed {result.ReplayedSteps:N0} steps in {seconds:0.00} s ({Rate(result.ReplayedSteps / seconds)}, one thread)"));
    }

    private static Table Table(IEnumerable<PolicyRun> runs)
    {
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
            .AddColumn(Right("Peak calls"))
            .AddColumn("Lossless");
        foreach (var run in runs)
        {
            var s = run.Summary;
            table.AddRow(
                Markup.Escape(s.Policy),
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
                Lossless(s));
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

    private static string Invariant(FormattableString text) => text.ToString(_invariant);
}
