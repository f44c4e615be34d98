using ScottPlot;

namespace Dsp.Cli.Reports;

/// <summary>
/// Places point labels on a plot where they overlap neither each other nor the markers and sit nearer their own
/// point than any other: each label tries spots around its point, nearest first, and takes the first such spot
/// inside the data area; a label that had to move away from its point gets a thin leader line back to it.
/// </summary>
internal sealed class LabelPlacer : IDisposable
{
    private const float LeaderAfter = 6;

    /// <summary>Pixel directions to try at each distance (y grows downwards): up-right first, as labels usually sit.</summary>
    private static readonly (int X, int Y)[] _directions = [(1, -1), (1, 1), (-1, -1), (-1, 1), (1, 0), (-1, 0), (0, -1), (0, 1)];

    private static readonly float[] _distances = [2, 10, 20, 32, 46, 62, 80];

    private readonly Plot _plot;
    private readonly Box _area;
    private readonly List<Pixel> _markers;
    private readonly List<Box> _taken;
    private readonly Paint _paint = Paint.NewDisposablePaint();

    /// <summary>Lays the plot out at its final size and freezes its axes, so that coordinates map to pixels.</summary>
    /// <param name="plot">The plot, with every plottable but the labels added.</param>
    /// <param name="width">The image's width in pixels.</param>
    /// <param name="height">The image's height in pixels.</param>
    /// <param name="markers">Every marker's centre and radius in pixels: labels keep off them.</param>
    public LabelPlacer(Plot plot, int width, int height, IEnumerable<(Coordinates Centre, float Radius)> markers)
    {
        _plot = plot;
        plot.RenderInMemory(width, height);
        var limits = plot.Axes.GetLimits();
        plot.Axes.SetLimits(limits); // labels and leader lines must not rescale the axes
        var topLeft = plot.GetPixel(new Coordinates(limits.Left, limits.Top));
        var bottomRight = plot.GetPixel(new Coordinates(limits.Right, limits.Bottom));
        _area = new Box(topLeft.X, topLeft.Y, bottomRight.X, bottomRight.Y);
        var pixels = markers.Select(m => (Centre: plot.GetPixel(m.Centre), m.Radius)).ToList();
        _markers = [.. pixels.Select(m => m.Centre)];
        _taken = [.. pixels.Select(m => Box.Around(m.Centre, m.Radius))];
    }

    /// <summary>Labels the point at <paramref name="point"/>, whose marker has radius <paramref name="radius"/>.</summary>
    public void Add(string text, Coordinates point, float radius, float fontSize, Color color)
    {
        var style = new LabelStyle { Text = text, FontSize = fontSize };
        var size = style.Measure(_paint).Size;
        var centre = _plot.GetPixel(point);
        var candidates = _distances.SelectMany(d => _directions.Select(dir => Spot(centre, radius + d, dir, size.Width, size.Height)));
        var box = candidates.FirstOrDefault(b => _area.Contains(b) && !_taken.Any(b.Overlaps) && NearestMarker(b) == centre, candidates.First());
        _taken.Add(box);

        var label = _plot.Add.Text(text, _plot.GetCoordinates(new Pixel(box.Left, box.Top)));
        label.LabelFontSize = fontSize;
        label.LabelFontColor = color;
        label.LabelAlignment = Alignment.UpperLeft;
        label.LabelBackgroundColor = Colors.White.WithAlpha(0.7); // legible over grid and curve lines

        var nearest = box.Nearest(centre);
        if (Math.Abs(nearest.X - centre.X) + Math.Abs(nearest.Y - centre.Y) > radius + LeaderAfter)
        {
            var leader = _plot.Add.Line(point, _plot.GetCoordinates(nearest));
            leader.LineColor = color.WithAlpha(0.6);
            leader.LineWidth = 0.75f;
        }
    }

    public void Dispose() => _paint.Dispose();

    private Pixel NearestMarker(Box box) => _markers.MinBy(m => box.DistanceSquared(m));

    /// <summary>A label box <paramref name="distance"/> pixels from <paramref name="centre"/> in direction <paramref name="direction"/>.</summary>
    private static Box Spot(Pixel centre, float distance, (int X, int Y) direction, float width, float height)
    {
        var left = direction.X switch
        {
            > 0 => centre.X + distance,
            < 0 => centre.X - distance - width,
            _ => centre.X - (width / 2),
        };
        var top = direction.Y switch
        {
            > 0 => centre.Y + distance,
            < 0 => centre.Y - distance - height,
            _ => centre.Y - (height / 2),
        };
        return new Box(left, top, left + width, top + height);
    }

    /// <summary>A rectangle in pixels (y grows downwards).</summary>
    private readonly record struct Box(float Left, float Top, float Right, float Bottom)
    {
        public static Box Around(Pixel centre, float radius) =>
            new(centre.X - radius, centre.Y - radius, centre.X + radius, centre.Y + radius);

        public bool Overlaps(Box other) =>
            Left < other.Right && other.Left < Right && Top < other.Bottom && other.Top < Bottom;

        public bool Contains(Box other) =>
            other.Left >= Left && other.Right <= Right && other.Top >= Top && other.Bottom <= Bottom;

        /// <summary>The point of this box nearest to <paramref name="pixel"/>.</summary>
        public Pixel Nearest(Pixel pixel) => new(Math.Clamp(pixel.X, Left, Right), Math.Clamp(pixel.Y, Top, Bottom));

        public float DistanceSquared(Pixel pixel)
        {
            var nearest = Nearest(pixel);
            return ((nearest.X - pixel.X) * (nearest.X - pixel.X)) + ((nearest.Y - pixel.Y) * (nearest.Y - pixel.Y));
        }
    }
}
