using System.Text.Json;

namespace Dsp.Cli.Tests;

public sealed class BenchDspTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Every_tau_and_offset_pair_is_a_dsp_row_carrying_its_setting_and_predictor_accuracy()
    {
        var path = _temp.File("bench.json");

        var run = await DspRun.InvokeAsync(
            "bench", "--policies", "fixed-2,dsp", "--tau", "0.5,0.9", "--offset", "0,1", "--passes", "1", "--json", path);

        Assert.True(run.ExitCode == 0, run.Error);
        using var report = JsonDocument.Parse(File.ReadAllText(path));
        var results = report.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["fixed-2", "dsp", "dsp", "dsp", "dsp"], results.Select(r => r.GetProperty("policy").GetString()));
        Assert.Equal(
            [(0.5, 0), (0.5, 1), (0.9, 0), (0.9, 1)],
            results[1..].Select(r => (Math.Round(r.GetProperty("tau").GetDouble(), 6), r.GetProperty("offset").GetInt32())));
        Assert.All(results[1..], r =>
        {
            Assert.Equal(30, r.GetProperty("tasks").GetInt32());
            Assert.InRange(r.GetProperty("predictorAccuracy").GetDouble(), 0, 1);
            Assert.True(r.GetProperty("lossless").GetBoolean());
        });
        Assert.All(["tau", "offset", "predictorAccuracy"], field => Assert.False(results[0].TryGetProperty(field, out _)));
    }

    [Fact]
    public async Task Console_shows_dsp_rows_with_accuracy_the_stream_and_the_sweep_time_apart_from_the_replay_rate()
    {
        var run = await DspRun.InvokeAsync("bench", "--policies", "fixed-2,dsp", "--tau", "0.5,0.9", "--retrain-every", "10");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Matches(@"│ fixed-2 +│ +30 │.*│ +│ yes +│", run.Output);
        Assert.Matches(@"│ dsp τ=0\.5 β=0 +│ +30 │.*│ +\d+\.\d% │ yes +│", run.Output);
        Assert.Matches(@"│ dsp τ=0\.9 β=0 +│ +30 │", run.Output);
        Assert.Contains("dsp: 2 settings, 30 tasks each (1 pass), retrained every 10 tasks, cold start included", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"Replayed 232 steps in \d+\.\d\d s", run.Output); // fixed-2 alone
        Assert.Matches(@"dsp sweep: 2 streams in \d+\.\d\d s wall time \(in parallel, training included\)", run.Output);
    }

    [Fact]
    public async Task Dsp_rows_sit_where_the_policies_name_dsp()
    {
        var path = _temp.File("bench.csv");

        var run = await DspRun.InvokeAsync("bench", "--policies", "oracle,dsp,fixed-2", "--csv", path);

        Assert.True(run.ExitCode == 0, run.Error);
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        var tau = Array.IndexOf(header, "tau");
        Assert.Equal(["tau", "offset", "predictorAccuracy"], header[tau..(tau + 3)]);
        Assert.Equal(["oracle", "dsp", "fixed-2"], lines[1..].Select(l => l.Split(',')[0]));
        Assert.Equal(["", "", ""], lines[1].Split(',')[tau..(tau + 3)]);
        Assert.Equal(["0.5", "0"], lines[2].Split(',')[tau..(tau + 2)]);
        Assert.Contains("Replayed 464 steps", run.Output, StringComparison.Ordinal); // oracle and fixed-2, not dsp
    }

    [Fact]
    public async Task Only_dsp_prints_no_replay_rate()
    {
        var run = await DspRun.InvokeAsync("bench", "--policies", "dsp", "--retrain-every", "0");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("dsp: 1 setting, 30 tasks each (1 pass), never retrained, cold start included", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Replayed", run.Output, StringComparison.Ordinal);
        Assert.Contains("dsp sweep: 1 stream in ", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plot_draws_dsp_settings_beside_the_fixed_depth_curve()
    {
        var path = _temp.File("tradeoff.svg");

        var run = await DspRun.InvokeAsync(
            "bench", "--policies", "sequential,fixed-2,fixed-4,oracle,dsp", "--tau", "0.5,0.9", "--offset", "0,1", "--plot", path);

        Assert.True(run.ExitCode == 0, run.Error);
        var svg = File.ReadAllText(path);
        Assert.All(["τ0.5/β0", "τ0.9/β1", "dsp knob: β=0, τ rising", "fixed depth", "oracle"], text => Assert.Contains(text, svg, StringComparison.Ordinal));
    }
}
