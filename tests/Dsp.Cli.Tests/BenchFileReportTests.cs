using System.Globalization;

namespace Dsp.Cli.Tests;

public sealed class BenchFileReportTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Bench_with_csv_writes_a_header_and_one_line_per_policy()
    {
        var path = _temp.File("bench.csv");

        var run = await DspRun.InvokeAsync("bench", "--policies", "sequential,fixed-2,oracle,recorded", "--csv", path);

        Assert.Equal(0, run.ExitCode);
        var lines = File.ReadAllLines(path);
        Assert.Equal(5, lines.Length);
        var header = lines[0].Split(',');
        Assert.Equal(["policy", "tasks", "latencySeconds", "latencyRatio"], header[..4]);
        Assert.Contains("recordedElapsedSeconds", header);
        Assert.All(lines, line => Assert.Equal(header.Length, line.Split(',').Length));
        Assert.Equal(["sequential", "fixed-2", "oracle", "recorded"], lines[1..].Select(l => l.Split(',')[0]));
    }

    [Fact]
    public async Task Csv_numbers_use_the_invariant_culture_whatever_the_current_one()
    {
        var path = _temp.File("bench.csv");
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            Assert.Equal(0, (await DspRun.InvokeAsync("bench", "--policies", "fixed-2", "--csv", path)).ExitCode);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }

        var lines = File.ReadAllLines(path);
        var row = lines[1].Split(',');
        Assert.Equal(lines[0].Split(',').Length, row.Length);
        Assert.Equal("latencySeconds", lines[0].Split(',')[2]);
        Assert.InRange(double.Parse(row[2], NumberStyles.Float, CultureInfo.InvariantCulture), 1000.5, 2000.5);
        Assert.Contains('.', row[2]);
    }

    [Theory]
    [InlineData("tradeoff.svg")]
    [InlineData("tradeoff.png")]
    public async Task Bench_with_plot_writes_the_image_format_its_extension_names(string name)
    {
        var path = _temp.File(name);

        var run = await DspRun.InvokeAsync("bench", "--plot", path);

        Assert.Equal(0, run.ExitCode);
        var bytes = File.ReadAllBytes(path);
        Assert.NotEmpty(bytes);
        if (name.EndsWith(".png", StringComparison.Ordinal))
        {
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], bytes[..8]);
        }
        else
        {
            Assert.Contains("<svg", System.Text.Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        }
    }
}
