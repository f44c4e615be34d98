using Dsp.Cli.Benchmarking;
using Dsp.Core.Simulation;
using ScottPlot;

namespace Dsp.Cli.Reports;

/// <summary>
/// Draws <c>--plot</c>: latency against cost, both relative to the target alone, one labelled point per policy.
/// The fixed-depth policies (sequential is depth 0) form one curve; every other policy is its own marker.
/// </summary>
internal static class TradeoffPlot
{
    private const int Width = 900;
    private const int Height = 600;

    private static readonly MarkerShape[] _shapes =
        [MarkerShape.FilledDiamond, MarkerShape.FilledTriangleUp, MarkerShape.FilledSquare, MarkerShape.FilledTriangleDown];

    /// <summary>The image formats <see cref="Save"/> writes, by file extension.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".svg", ".png"];

    /// <summary>Saves the plot as SVG or PNG, by <paramref name="path"/>'s extension (one of <see cref="Extensions"/>).</summary>
    public static void Save(string path, BenchResult result)
    {
        var plot = Draw(result);
        if (Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase))
        {
            plot.SaveSvg(path, Width, Height);
        }
        else
        {
            plot.SavePng(path, Width, Height);
        }
    }

    private static Plot Draw(BenchResult result)
    {
        var plot = new Plot();
        plot.Title($"Latency vs cost: {result.Traces.Count} traces, {result.Steps} steps");
        plot.XLabel("Cost relative to sequential (×)");
        plot.YLabel("Latency relative to sequential (×)");

        var baseline = plot.Add.HorizontalLine(1, 1, Colors.Gray, LinePattern.Dashed);
        baseline.LegendText = "target alone";
        plot.Add.VerticalLine(1, 1, Colors.Gray, LinePattern.Dashed);

        var fixedDepth = result.Runs
            .Where(r => r.Policy is FixedDepthPolicy)
            .OrderBy(r => ((FixedDepthPolicy)r.Policy).Depth)
            .ToList();
        if (fixedDepth.Count > 0)
        {
            var curve = plot.Add.Scatter(
                fixedDepth.Select(r => r.Summary.CostRatio).ToArray(),
                fixedDepth.Select(r => r.Summary.LatencyRatio).ToArray());
            curve.LegendText = "fixed depth";
            curve.LineWidth = 2;
            curve.MarkerSize = 9;
        }

        var others = result.Runs.Where(r => r.Policy is not FixedDepthPolicy).ToList();
        for (var i = 0; i < others.Count; i++)
        {
            var s = others[i].Summary;
            var marker = plot.Add.Marker(s.CostRatio, s.LatencyRatio, _shapes[i % _shapes.Length], 14);
            marker.LegendText = s.Policy;
        }

        foreach (var run in result.Runs)
        {
            var label = plot.Add.Text(run.Summary.Policy, run.Summary.CostRatio, run.Summary.LatencyRatio);
            label.LabelFontSize = 13;
            label.LabelAlignment = Alignment.LowerLeft;
            label.OffsetX = 8;
            label.OffsetY = -6;
        }

        plot.Axes.Margins(horizontal: 0.2, vertical: 0.15);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }
}
