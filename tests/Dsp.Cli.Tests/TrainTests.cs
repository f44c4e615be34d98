using System.Text.Json;

namespace Dsp.Cli.Tests;

public sealed class TrainTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Saved_transitions_train_a_snapshot_that_bench_replays_without_retraining()
    {
        var transitions = _temp.File("t.jsonl");
        var online = _temp.File("online.bin");
        var trained = _temp.File("p.bin");
        var report = _temp.File("frozen.json");

        var bench = await DspRun.InvokeAsync(
            "bench", "--policies", "dsp", "--tau", "0.9", "--save-transitions", transitions, "--save-snapshot", online);
        var train = await DspRun.InvokeAsync("train", "--transitions", transitions, "--out", trained);
        var frozen = await DspRun.InvokeAsync(
            "bench", "--policies", "dsp", "--policy-snapshot", trained, "--retrain-every", "0", "--json", report);

        Assert.True(bench.ExitCode == 0, bench.Error);
        Assert.Contains($"Wrote {online}", bench.Output, StringComparison.Ordinal);
        Assert.Equal(232, File.ReadAllLines(transitions).Length); // every position drafted: the depth is at least 1
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Contains($"Wrote {trained}", train.Output, StringComparison.Ordinal);
        Assert.True(frozen.ExitCode == 0, frozen.Error);
        Assert.Contains("never retrained, starting from snapshot version 1", frozen.Output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var row = json.RootElement.GetProperty("results")[0];
        Assert.Equal("dsp", row.GetProperty("policy").GetString());
        Assert.InRange(row.GetProperty("predictorAccuracy").GetDouble(), 0, 1);
    }

    [Fact]
    public async Task Train_shows_what_the_snapshot_holds()
    {
        var transitions = await SavedTransitions();
        var first = _temp.File("first.bin");
        var second = _temp.File("second.bin");

        var fresh = await DspRun.InvokeAsync("train", "--transitions", transitions, "--out", first, "--seed", "3", "--epochs", "2");
        var warm = await DspRun.InvokeAsync("train", "--transitions", transitions, transitions, "--out", second, "--from", first);

        Assert.True(fresh.ExitCode == 0, fresh.Error);
        Assert.Matches(@"│ Version +│ 1 +│", fresh.Output);
        Assert.Matches(@"│ Warm start +│ none \(fresh weights\) +│", fresh.Output);
        Assert.Matches(@"│ Transitions trained on +│ 232 +│", fresh.Output);
        Assert.Matches(@"│ Final training loss +│ \d+\.\d{4} ", fresh.Output);
        Assert.Matches(@"│ Featurizer +│ hashed-text/1:12 +│", fresh.Output);
        Assert.Matches(@"│ τ grid +│ 0\.1, 0\.2, .*, 0\.99 +│", fresh.Output);
        Assert.Matches(@"│ Hidden units +│ 32 +│", fresh.Output);
        Assert.Matches($@"│ Snapshot size +│ {new FileInfo(first).Length:N0} bytes +│", fresh.Output);
        Assert.Matches(@"│ Training time +│ \d+\.\d\d s +│", fresh.Output);
        Assert.True(warm.ExitCode == 0, warm.Error);
        Assert.Matches(@"│ Version +│ 2 +│", warm.Output);
        Assert.Matches(@"│ Warm start +│ version 1 +│", warm.Output);
        Assert.Matches(@"│ Transitions trained on +│ 464 +│", warm.Output);
    }

    [Fact]
    public async Task Same_transitions_and_seed_give_the_same_snapshot()
    {
        var transitions = await SavedTransitions();
        var first = _temp.File("a.bin");
        var second = _temp.File("b.bin");

        await DspRun.InvokeAsync("train", "--transitions", transitions, "--out", first, "--seed", "5");
        await DspRun.InvokeAsync("train", "--transitions", transitions, "--out", second, "--seed", "5");

        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Fact]
    public async Task A_bad_transitions_line_is_reported_by_file_and_line()
    {
        var path = _temp.File("broken.jsonl");
        File.WriteAllLines(path, [File.ReadLines(await SavedTransitions()).First(), "", "{\"runId\": "]);

        var run = await DspRun.InvokeAsync("train", "--transitions", path, "--out", _temp.File("p.bin"));

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{path}:3: not valid JSON", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(_temp.File("p.bin")));
    }

    [Fact]
    public async Task A_corrupt_warm_start_snapshot_is_refused()
    {
        var transitions = await SavedTransitions();
        var from = _temp.File("from.bin");
        File.WriteAllBytes(from, "This is a text file, not a policy snapshot: it is long enough to be read."u8.ToArray());

        var run = await DspRun.InvokeAsync("train", "--transitions", transitions, "--out", _temp.File("p.bin"), "--from", from);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"{from}: This is not a DSP policy snapshot (wrong magic bytes).", run.Error.Trim());
    }

    [Fact]
    public async Task An_empty_transitions_file_is_refused()
    {
        var path = _temp.File("empty.jsonl");
        File.WriteAllText(path, "\n\n");

        var run = await DspRun.InvokeAsync("train", "--transitions", path, "--out", _temp.File("p.bin"));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"No transitions in {path}.", run.Error.Trim());
    }

    /// <summary>The transitions of one cold-start dsp stream over the bundled traces, never retrained (fast).</summary>
    private async Task<string> SavedTransitions()
    {
        var path = _temp.File("saved.jsonl");
        var run = await DspRun.InvokeAsync("bench", "--policies", "dsp", "--retrain-every", "0", "--save-transitions", path);
        Assert.True(run.ExitCode == 0, run.Error);
        return path;
    }
}
