using System.Text.Json;

namespace Dsp.Cli.Tests;

public sealed class BenchJsonTests : IDisposable
{
    private static readonly string[] _defaultPolicies = ["sequential", "fixed-2", "fixed-3", "fixed-4", "fixed-6", "oracle", "recorded"];

    private static readonly string[] _resultFields =
    [
        "policy", "tasks", "latencySeconds", "latencyRatio", "costUsd", "costRatio", "unnecessaryCostUsd",
        "deltaTimePercent", "deltaCostPercent", "meanDepth", "peakConcurrentCalls", "rounds", "lossless",
        "matchesTargetPlan", "sequentialLatencySeconds", "sequentialCostUsd",
    ];

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Bench_with_json_writes_one_result_per_policy()
    {
        using var report = await BenchJson();

        var root = report.RootElement;
        Assert.Equal(30, root.GetProperty("traces").GetInt32());
        Assert.Equal(232, root.GetProperty("steps").GetInt32());
        Assert.Equal(_defaultPolicies, Results(report).Select(r => r.GetProperty("policy").GetString()));
        Assert.All(Results(report), r => Assert.Equal(30, r.GetProperty("tasks").GetInt32()));
    }

    [Fact]
    public async Task Json_report_has_exactly_the_report_fields_with_recorded_time_only_on_the_recorded_row()
    {
        using var report = await BenchJson();

        Assert.Equal(["traces", "steps", "results"], report.RootElement.EnumerateObject().Select(p => p.Name));
        foreach (var result in Results(report))
        {
            var expected = result.GetProperty("policy").GetString() == "recorded"
                ? [.. _resultFields, "recordedElapsedSeconds"]
                : _resultFields;
            Assert.Equal(expected, result.EnumerateObject().Select(p => p.Name));
        }
    }

    [Fact]
    public async Task Sequential_row_is_the_baseline_and_speculation_saves_time_losslessly()
    {
        using var report = await BenchJson();

        var sequential = Row(report, "sequential");
        Assert.Equal(1.0, sequential.GetProperty("latencyRatio").GetDouble(), 12);
        Assert.Equal(1.0, sequential.GetProperty("costRatio").GetDouble(), 12);
        Assert.Equal(0.0, sequential.GetProperty("unnecessaryCostUsd").GetDouble());

        var fixed2 = Row(report, "fixed-2");
        Assert.True(fixed2.GetProperty("latencySeconds").GetDouble() < sequential.GetProperty("latencySeconds").GetDouble());
        Assert.True(fixed2.GetProperty("costUsd").GetDouble() > sequential.GetProperty("costUsd").GetDouble());
        // Drafts started per round: two, but fewer where the chain stopped at a drafted TERMINATE or the trace's end.
        Assert.InRange(fixed2.GetProperty("meanDepth").GetDouble(), 1.5, 2.0);
        Assert.All(Results(report), r => Assert.True(r.GetProperty("lossless").GetBoolean()));
    }

    [Fact]
    public async Task Recorded_row_carries_the_recorded_runs_elapsed_time()
    {
        using var report = await BenchJson();

        var recorded = Row(report, "recorded");
        Assert.Equal(1991.79, recorded.GetProperty("recordedElapsedSeconds").GetDouble(), 2);
        var fidelity = recorded.GetProperty("latencySeconds").GetDouble() / recorded.GetProperty("recordedElapsedSeconds").GetDouble();
        Assert.InRange(fidelity, 0.95, 1.05);
    }

    [Fact]
    public async Task Passes_multiply_tasks_but_count_traces_and_steps_once()
    {
        using var report = await BenchJson("--policies", "sequential,fixed-2", "--passes", "3");

        Assert.Equal(30, report.RootElement.GetProperty("traces").GetInt32());
        Assert.Equal(232, report.RootElement.GetProperty("steps").GetInt32());
        Assert.All(Results(report), r => Assert.Equal(90, r.GetProperty("tasks").GetInt32()));
        Assert.Equal(1.0, Row(report, "sequential").GetProperty("latencyRatio").GetDouble(), 12);
    }

    [Fact]
    public async Task Price_override_reprices_every_call()
    {
        using var listed = await BenchJson("--policies", "fixed-2");
        using var doubled = await BenchJson("--policies", "fixed-2", "--price", "gpt-4-turbo=20/60");

        var listedCost = Row(listed, "fixed-2").GetProperty("costUsd").GetDouble();
        Assert.Equal(2 * listedCost, Row(doubled, "fixed-2").GetProperty("costUsd").GetDouble(), 9);
    }

    [Fact]
    public async Task Full_billing_of_cancelled_calls_costs_at_least_as_much_as_produced_tokens()
    {
        using var produced = await BenchJson("--policies", "fixed-6");
        using var full = await BenchJson("--policies", "fixed-6", "--billing", "full");

        Assert.True(
            Row(full, "fixed-6").GetProperty("costUsd").GetDouble() > Row(produced, "fixed-6").GetProperty("costUsd").GetDouble());
    }

    private async Task<JsonDocument> BenchJson(params string[] args)
    {
        var path = _temp.File($"{Guid.NewGuid():N}.json");
        var run = await DspRun.InvokeAsync(["bench", "--json", path, .. args]);
        Assert.True(run.ExitCode == 0, run.Error);
        return JsonDocument.Parse(File.ReadAllText(path));
    }

    private static JsonElement.ArrayEnumerator Results(JsonDocument report) =>
        report.RootElement.GetProperty("results").EnumerateArray();

    private static JsonElement Row(JsonDocument report, string policy) =>
        Results(report).Single(r => r.GetProperty("policy").GetString() == policy);
}
