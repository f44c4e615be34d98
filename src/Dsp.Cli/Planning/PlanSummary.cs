using System.Globalization;
using Dsp.Functions.Planning;
using Spectre.Console;

namespace Dsp.Cli.Planning;

/// <summary>The end of <c>dsp plan</c>: the run against the target alone.</summary>
internal static class PlanSummary
{
    public static void Write(IAnsiConsole console, PlanResult result, double speed)
    {
        var run = result.Run;
        var cancelled = result.Calls.Count(c => c.Usage.Cancelled);
        var table = new Table().HideHeaders().AddColumn("What").AddColumn(new TableColumn("Value"));
        foreach (var (name, value) in new[]
        {
            ("Outcome", run.Outcome + (result.Error is null ? string.Empty : $": {result.Error}")),
            ("Steps", Invariant($"{run.Steps} in {run.Rounds} rounds, mean depth {run.MeanDepth:0.00} ({run.Policy} policy {(run.PolicyVersion switch { null => "cold start", 0 => "prior", { } v => $"v{v}" })})")),
            ("Latency", Invariant($"{run.LatencySeconds:0.00} s against {run.SequentialLatencySeconds:0.00} s for the target alone ({Ratio(run.LatencySeconds, run.SequentialLatencySeconds)}); {run.LatencySeconds * speed:0.0} s at recorded speed")),
            ("Cost", Invariant($"${run.CostUsd:0.0000} against ${run.SequentialCostUsd:0.0000} for the target alone ({Ratio(run.CostUsd, run.SequentialCostUsd)})")),
            ("Unnecessary cost", Invariant($"${run.UnnecessaryCostUsd:0.0000} (rejected drafts and calls past a mismatch)")),
            ("Calls", Invariant($"{result.Calls.Count} ({cancelled} cancelled)")),
            ("Lossless", run.Lossless ? "yes: the plan is the target's own" : "no"),
            ("Recorded", result.RecordError ?? "yes: the run, its transitions and its judged drafts are stored for training"),
        })
        {
            table.AddRow(Markup.Escape(name), Markup.Escape(value));
        }

        console.Write(table);
    }

    private static string Ratio(double value, double baseline) =>
        baseline > 0 ? Invariant($"×{value / baseline:0.000}") : "no baseline";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
