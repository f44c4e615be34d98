using System.Globalization;
using Dsp.Cli.Benchmarking;
using Dsp.Core.Metrics;
using Dsp.Core.Simulation;
using ScottPlot;

namespace Dsp.Cli.Reports;

/// <summary>
/// Draws <c>--plot</c>: latency against cost, both relative to the target alone, one labelled point per policy.
/// The fixed-depth policies (sequential is depth 0) form one curve; the dsp settings are one series of small
/// points labelled <c>τ0.9/β1</c>, with a line through those of the lowest β ordered by τ (the knob); the adaptive
/// values of time are a curve of points labelled <c>$0.02/s</c>, in rising order (its knob); every other policy is
/// its own marker.
/// </summary>
internal static class TradeoffPlot
{
    private const int Width = 900;
    private const int Height = 600;
    private const float FixedMarkerSize = 9;
    private const float OtherMarkerSize = 14;
    private const float DspMarkerSize = 7;

    private static readonly Color _dspColor = Colors.Crimson;
    private static readonly Color _adaptiveColor = Colors.SeaGreen;

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
            .OrderBy(r => ((FixedDepthPolicy)r.Policy!).Depth)
            .ToList();
        if (fixedDepth.Count > 0)
        {
            var curve = plot.Add.Scatter(
                fixedDepth.Select(r => r.Summary.CostRatio).ToArray(),
                fixedDepth.Select(r => r.Summary.LatencyRatio).ToArray());
            curve.LegendText = "fixed depth";
            curve.LineWidth = 2;
            curve.MarkerSize = FixedMarkerSize;
        }

        var others = result.Runs.Where(r => r.Policy is not (FixedDepthPolicy or null)).ToList();
        for (var i = 0; i < others.Count; i++)
        {
            var s = others[i].Summary;
            var marker = plot.Add.Marker(s.CostRatio, s.LatencyRatio, _shapes[i % _shapes.Length], OtherMarkerSize);
            marker.LegendText = s.Policy;
        }

        AddDsp(plot, [.. result.Runs.Where(r => r.IsDsp).Select(r => r.Summary)]);
        AddAdaptive(plot, [.. result.Runs.Where(r => r.IsAdaptive).Select(r => r.Summary).OrderBy(s => s.ValueOfTime)]);

        plot.Axes.Margins(horizontal: 0.2, vertical: 0.15);
        plot.ShowLegend(Alignment.UpperRight);
        AddLabels(plot, result.Runs);
        return plot;
    }

    /// <summary>The dsp settings as small points, and the knob: a line through the lowest β's points, τ rising.</summary>
    private static void AddDsp(Plot plot, List<PolicySummary> settings)
    {
        if (settings.Count == 0)
        {
            return;
        }

        var points = plot.Add.Markers(
            settings.Select(s => s.CostRatio).ToArray(), settings.Select(s => s.LatencyRatio).ToArray(), MarkerShape.FilledCircle, DspMarkerSize, _dspColor);
        points.LegendText = "dsp (τ/β)";

        var lowest = settings.Min(s => s.Offset);
        var knob = settings.Where(s => s.Offset == lowest).OrderBy(s => s.Tau).ToList();
        if (knob.Count > 1)
        {
            var line = plot.Add.Scatter(knob.Select(s => s.CostRatio).ToArray(), knob.Select(s => s.LatencyRatio).ToArray(), _dspColor);
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"dsp knob: β={lowest}, τ rising");
            line.LineWidth = 1.5f;
            line.LinePattern = LinePattern.Dotted;
            line.MarkerSize = 0;
        }
    }

    /// <summary>The adaptive values of time: a curve through them, the value of time rising.</summary>
    private static void AddAdaptive(Plot plot, List<PolicySummary> settings)
    {
        if (settings.Count == 0)
        {
            return;
        }

        var curve = plot.Add.Scatter(settings.Select(s => s.CostRatio).ToArray(), settings.Select(s => s.LatencyRatio).ToArray(), _adaptiveColor);
        curve.LegendText = "adaptive (value of time rising)";
        curve.LineWidth = 2;
        curve.MarkerSize = DspMarkerSize;
        curve.MarkerShape = MarkerShape.FilledCircle;
    }

    /// <summary>Every point's label, placed clear of the markers and of each other: the named policies first, then
    /// the dsp settings and the adaptive values of time in a smaller font.</summary>
    private static void AddLabels(Plot plot, IReadOnlyList<PolicyRun> runs)
    {
        using var placer = new LabelPlacer(plot, Width, Height, runs.Select(r => (Point(r.Summary), MarkerSize(r) / 2)));
        foreach (var run in runs.Where(r => !r.IsLearned))
        {
            placer.Add(run.Summary.Policy, Point(run.Summary), MarkerSize(run) / 2, 13, Colors.Black);
        }

        foreach (var s in runs.Where(r => r.IsDsp).Select(r => r.Summary))
        {
            placer.Add(string.Create(CultureInfo.InvariantCulture, $"τ{s.Tau}/β{s.Offset}"), Point(s), DspMarkerSize / 2, 9, _dspColor.Darken(0.3));
        }

        foreach (var s in runs.Where(r => r.IsAdaptive).Select(r => r.Summary))
        {
            placer.Add(string.Create(CultureInfo.InvariantCulture, $"${s.ValueOfTime}/s"), Point(s), DspMarkerSize / 2, 9, _adaptiveColor.Darken(0.3));
        }
    }

    private static Coordinates Point(PolicySummary summary) => new(summary.CostRatio, summary.LatencyRatio);

    private static float MarkerSize(PolicyRun run) => run switch
    {
        { IsLearned: true } => DspMarkerSize,
        { Policy: FixedDepthPolicy } => FixedMarkerSize,
        _ => OtherMarkerSize,
    };
}
