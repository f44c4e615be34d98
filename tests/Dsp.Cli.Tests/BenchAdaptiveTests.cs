using System.Text.Json;

namespace Dsp.Cli.Tests;

/// <summary>
/// dsp bench with the adaptive policy, on the bundled traces: the issue's measurement (3 passes, cold start included,
/// one row per value of time) with its claims checked on the figures the command itself reports.
/// </summary>
public sealed class BenchAdaptiveTests : IClassFixture<BenchAdaptiveTests.Sweep>, IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Sweep _sweep;

    public BenchAdaptiveTests(Sweep sweep) => _sweep = sweep;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Every_value_of_time_is_a_row_with_its_calibration_over_all_passes_and_pass_by_pass()
    {
        Assert.Equal(Sweep.ValuesOfTime, _sweep.Adaptive.Select(r => r.GetProperty("valueOfTime").GetDouble()));
        foreach (var row in _sweep.Adaptive.Skip(1))
        {
            var calibration = row.GetProperty("calibration");
            Assert.True(calibration.GetProperty("predictions").GetInt32() > 0);
            Assert.InRange(calibration.GetProperty("logLoss").GetDouble(), 0, 1);
            Assert.InRange(calibration.GetProperty("brier").GetDouble(), 0, 0.25);
            Assert.Equal(10, calibration.GetProperty("bins").GetArrayLength());
            Assert.Equal(3, row.GetProperty("calibrationByPass").GetArrayLength());
        }
    }

    [Fact]
    public void Raising_the_value_of_time_never_makes_plans_slower_or_cheaper_by_more_than_half_a_percent()
    {
        for (var i = 1; i < _sweep.Adaptive.Count; i++)
        {
            var (before, after) = (_sweep.Adaptive[i - 1], _sweep.Adaptive[i]);
            Assert.True(Latency(after) <= Latency(before) * 1.005, $"latency rose at ${after.GetProperty("valueOfTime")}/s");
            Assert.True(Cost(after) >= Cost(before) * 0.995, $"cost fell at ${after.GetProperty("valueOfTime")}/s");
        }
    }

    [Fact]
    public void Some_value_of_time_is_as_fast_as_fixed_two_and_at_least_five_percent_cheaper()
    {
        var fixedTwo = _sweep.Row("fixed-2");

        Assert.Contains(_sweep.Adaptive, r => Latency(r) <= Latency(fixedTwo) * 1.01 && Cost(r) <= Cost(fixedTwo) * 0.95);
    }

    [Fact]
    public void It_captures_most_of_the_oracles_saving_over_fixed_six_near_fixed_six_latency()
    {
        AssertCaptures(_sweep);
        Assert.Contains("adaptive captures", _sweep.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A set of 10 tasks, 30 plans over 3 passes: the cold start before the first retraining (5 tasks) is a sixth of
    /// the stream, so it alone decides whether any value of time comes within 1% of fixed-6's latency.
    /// </summary>
    [Theory]
    [InlineData("bs4")]
    [InlineData("bs8")]
    [InlineData("bs16")]
    public void On_a_small_set_whose_cold_start_weighs_more_it_still_captures_most_of_the_oracles_saving(string batch)
    {
        var traces = _temp.File($"{batch}.jsonl");
        File.WriteAllLines(traces, File.ReadLines(DspRun.BundledTraces).Where(line => line.Contains($"\"openagi/{batch}/", StringComparison.Ordinal)));

        using var sweep = new Sweep(traces);

        Assert.Equal(3 * 10, sweep.Row("fixed-6").GetProperty("tasks").GetInt32());
        AssertCaptures(sweep);
    }

    [Fact]
    public void Every_setting_is_lossless()
    {
        Assert.All(_sweep.Adaptive, r => Assert.True(r.GetProperty("lossless").GetBoolean()));
    }

    [Fact]
    public async Task Adaptive_options_are_refused_without_the_adaptive_policy()
    {
        var run = await DspRun.InvokeAsync("bench", "--policies", "fixed-2", "--value-of-time", "0.1");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--value-of-time configures the adaptive policy; add adaptive to --policies.", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("fast")]
    [InlineData("Infinity")]
    public async Task A_value_of_time_that_is_not_dollars_per_second_is_refused(string value)
    {
        var run = await DspRun.InvokeAsync("bench", "--policies", "adaptive", "--value-of-time", value);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"--value-of-time values are dollars per second, at least 0, not '{value}'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Starting_from_a_prior_skips_the_cold_start()
    {
        var prior = _temp.File("prior.dspa");
        await DspRun.InvokeAsync("prior", "--out", prior);
        var json = _temp.File("warm.json");

        var run = await DspRun.InvokeAsync("bench", "--policies", "adaptive", "--value-of-time", "0.02", "--prior", prior, "--passes", "1", "--json", json);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("starting from the given acceptance model", run.Output, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var row = report.RootElement.GetProperty("results")[0];
        Assert.Equal(
            row.GetProperty("calibration").GetProperty("predictions").GetInt32(),
            row.GetProperty("calibrationByPass")[0].GetProperty("predictions").GetInt32());
    }

    private static void AssertCaptures(Sweep sweep)
    {
        Assert.True(sweep.Share(0.01) >= 0.5, $"{sweep.Share(0.01):P1} within 1%");
        Assert.True(sweep.Share(0.02) >= 0.6, $"{sweep.Share(0.02):P1} within 2%");
        Assert.True(sweep.Share(0.05) >= 0.8, $"{sweep.Share(0.05):P1} within 5%");
    }

    private static double Latency(JsonElement row) => row.GetProperty("latencySeconds").GetDouble();

    private static double Cost(JsonElement row) => row.GetProperty("costUsd").GetDouble();

    /// <summary>The issue's sweep (on the bundled traces: run once for the class).</summary>
    public sealed class Sweep : IDisposable
    {
        public static readonly double[] ValuesOfTime = [0.0003, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.3];

        private readonly TempDirectory _temp = new();
        private readonly JsonDocument _report;

        public Sweep()
            : this(DspRun.BundledTraces)
        {
        }

        internal Sweep(string traces)
        {
            var path = _temp.File("bench.json");
            var run = DspRun.InvokeAsync(
                "bench", "--traces", traces, "--policies", "sequential,fixed-2,fixed-6,oracle,adaptive", "--value-of-time", string.Join(',', ValuesOfTime),
                "--passes", "3", "--seed", "1", "--price", "gpt-4-turbo=10/30", "--json", path).GetAwaiter().GetResult();
            Assert.True(run.ExitCode == 0, run.Error);
            Output = run.Output;
            _report = JsonDocument.Parse(File.ReadAllText(path));
            Adaptive = [.. Results.Where(r => r.GetProperty("policy").GetString() == "adaptive")];
        }

        public string Output { get; }

        public List<JsonElement> Adaptive { get; }

        private IEnumerable<JsonElement> Results => _report.RootElement.GetProperty("results").EnumerateArray();

        public JsonElement Row(string policy) => Results.Single(r => r.GetProperty("policy").GetString() == policy);

        /// <summary>For the best value of time within <paramref name="bound"/> of fixed-6's latency, the share of the
        /// oracle's saving over fixed-6 it captures (−∞ when none is within it).</summary>
        public double Share(double bound)
        {
            var (fixedSix, oracle) = (Row("fixed-6"), Row("oracle"));
            return Adaptive
                .Where(r => Latency(r) <= Latency(fixedSix) * (1 + bound))
                .Select(r => (1 - (Cost(r) / Cost(fixedSix))) / (1 - (Cost(oracle) / Cost(fixedSix))))
                .DefaultIfEmpty(double.NegativeInfinity)
                .Max();
        }

        public void Dispose()
        {
            _report.Dispose();
            _temp.Dispose();
        }
    }
}
