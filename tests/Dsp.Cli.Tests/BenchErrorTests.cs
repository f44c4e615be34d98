using System.Text.Json.Nodes;

namespace Dsp.Cli.Tests;

public sealed class BenchErrorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Broken_trace_line_is_reported_by_file_and_line()
    {
        var path = _temp.File("broken.jsonl");
        File.WriteAllLines(path, [File.ReadLines(DspRun.BundledTraces).First(), "{\"schema\": \"dsp-trace/1\", \"id\": "]);

        var run = await DspRun.InvokeAsync("bench", "--traces", path);

        Assert.NotEqual(0, run.ExitCode);
        Assert.StartsWith($"{path}:2: not valid JSON", run.Error, StringComparison.Ordinal);
        AssertOneLineWithoutStackTrace(run.Error);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Invalid_trace_record_is_reported_by_file_line_and_field()
    {
        var path = _temp.File("no-id.jsonl");
        var trace = JsonNode.Parse(File.ReadLines(DspRun.BundledTraces).First())!.AsObject();
        trace.Remove("id");
        File.WriteAllLines(path, [string.Empty, trace.ToJsonString()]);

        var run = await DspRun.InvokeAsync("bench", "--traces", path);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"{path}:2: 'id' is missing or not a string", run.Error.Trim());
    }

    [Fact]
    public async Task Unknown_policy_is_rejected_with_the_known_policies()
    {
        var run = await DspRun.InvokeAsync("bench", "--policies", "fixed-2,bogus");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Unknown policy 'bogus'", run.Error, StringComparison.Ordinal);
        Assert.EndsWith("Known: sequential, fixed-N (N ≥ 0), oracle, recorded, dsp, adaptive.", run.Error.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter", run.Error, StringComparison.Ordinal);
        AssertOneLineWithoutStackTrace(run.Error);
        Assert.Empty(run.Output);
    }

    [Theory]
    [InlineData("gpt-4-turbo")]
    [InlineData("gpt-4-turbo=10")]
    [InlineData("=10/30")]
    [InlineData("gpt-4-turbo=ten/30")]
    public async Task Malformed_price_is_rejected(string price)
    {
        var run = await DspRun.InvokeAsync("bench", "--price", price);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"--price '{price}':", run.Error, StringComparison.Ordinal);
        AssertOneLineWithoutStackTrace(run.Error);
    }

    [Fact]
    public async Task Trace_of_an_unpriced_model_asks_for_its_price()
    {
        var path = _temp.File("unpriced.jsonl");
        var trace = JsonNode.Parse(File.ReadLines(DspRun.BundledTraces).First())!.AsObject();
        trace["models"]!["target"] = "mystery-model";
        File.WriteAllText(path, trace.ToJsonString());

        var unpriced = await DspRun.InvokeAsync("bench", "--traces", path);
        var priced = await DspRun.InvokeAsync("bench", "--traces", path, "--price", "mystery-model=1/2");

        Assert.Equal(1, unpriced.ExitCode);
        Assert.Contains("No price for model 'mystery-model'", unpriced.Error, StringComparison.Ordinal);
        Assert.Equal(0, priced.ExitCode);
    }

    [Fact]
    public async Task Recorded_policy_needs_traces_with_a_recorded_run()
    {
        var path = _temp.File("unrecorded.jsonl");
        var trace = JsonNode.Parse(File.ReadLines(DspRun.BundledTraces).First())!.AsObject();
        trace.Remove("recorded");
        File.WriteAllText(path, trace.ToJsonString());

        var recorded = await DspRun.InvokeAsync("bench", "--traces", path, "--policies", "recorded");
        var others = await DspRun.InvokeAsync("bench", "--traces", path, "--policies", "sequential,oracle");

        Assert.Equal(1, recorded.ExitCode);
        Assert.Contains("has no 'recorded' section", recorded.Error, StringComparison.Ordinal);
        Assert.Equal(0, others.ExitCode);
    }

    [Theory]
    [InlineData("--passes", "0")]
    [InlineData("--passes", "-3")]
    [InlineData("--repeat", "many")]
    public async Task Passes_below_one_are_rejected(string option, string passes)
    {
        var run = await DspRun.InvokeAsync("bench", option, passes);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--passes must be a whole number of at least 1", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_trace_file_is_rejected()
    {
        var path = _temp.File("absent.jsonl");

        var run = await DspRun.InvokeAsync("bench", "--traces", path);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"File does not exist: '{path}'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plot_file_of_an_unknown_image_format_is_rejected()
    {
        var run = await DspRun.InvokeAsync("bench", "--plot", _temp.File("plot.jpg"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--plot writes .svg or .png files", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unwritable_report_path_is_reported_after_the_table()
    {
        var path = Path.Combine(_temp.Path, "missing-folder", "bench.json");

        var run = await DspRun.InvokeAsync("bench", "--policies", "fixed-2", "--json", path);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"Cannot write {path}:", run.Error, StringComparison.Ordinal);
        Assert.Contains("fixed-2", run.Output, StringComparison.Ordinal);
    }

    private static void AssertOneLineWithoutStackTrace(string error)
    {
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }
}
