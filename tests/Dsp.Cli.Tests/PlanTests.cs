using System.Text.Json;
using Dsp.Functions.Tests;

namespace Dsp.Cli.Tests;

public sealed class PlanTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Plan_replays_a_bundled_task_with_a_prior_that_has_not_seen_it_and_compares_it_with_the_target_alone()
    {
        var run = await DspRun.InvokeAsync("plan", "--speed", "200");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("TERMINATE", run.Output, StringComparison.Ordinal);
        Assert.Contains("for the target alone", run.Output, StringComparison.Ordinal);
        Assert.Contains("yes: the plan is the target's own", run.Output, StringComparison.Ordinal);
        Assert.Contains("adaptive policy at $0.02 per second saved", run.Output, StringComparison.Ordinal);
        Assert.Contains("prior trained on the bundled traces without this task (27 of 30 runs)", run.Output, StringComparison.Ordinal);
        Assert.Contains("(adaptive policy prior)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_json_writes_the_plan_in_the_http_apis_json_contract()
    {
        var path = _temp.File("plan.json");

        var run = await DspRun.InvokeAsync("plan", "--speed", "200", "--json", path);

        Assert.Equal(0, run.ExitCode);
        using var plan = JsonDocument.Parse(File.ReadAllText(path));
        // The same record, in the same JSON, as GET /api/plans/{id} answers in "result": openapi.json's PlanResult.
        Assert.Empty(ApiContract.Check("PlanResult", plan.RootElement));
        Assert.Equal("Completed", plan.RootElement.GetProperty("outcome").GetString());
        Assert.All(plan.RootElement.GetProperty("calls").EnumerateArray(), call => Assert.Contains(call.GetProperty("call").GetProperty("role").GetString(), new[] { "Draft", "Target" }));
    }

    [Fact]
    public async Task Plan_reports_a_broken_trace_file_by_file_and_line()
    {
        var path = _temp.File("broken.jsonl");
        File.WriteAllLines(path, ["{\"schema\": "]);

        var run = await DspRun.InvokeAsync("plan", "--traces", path);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{path}:1: not valid JSON", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--tradeoff", "1.5", "--tradeoff:")]
    [InlineData("--offset", "9", "--offset:")]
    [InlineData("--max-steps", "0", "--max-steps:")]
    [InlineData("--task", "a task nobody recorded", "--task:")]
    [InlineData("--value-of-time", "-1", "--value-of-time:")]
    public async Task Plan_checks_its_options_as_the_http_api_checks_a_request(string option, string value, string named)
    {
        var run = await DspRun.InvokeAsync("plan", option, value);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith(named, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_knob_of_the_other_policy_is_refused_by_name()
    {
        var run = await DspRun.InvokeAsync("plan", "--policy", "adaptive", "--tradeoff", "0.9");

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("--tradeoff: tradeoff and offset configure the dsp policy", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dsp_policy_plans_with_its_knobs()
    {
        var run = await DspRun.InvokeAsync("plan", "--speed", "200", "--tradeoff", "0.9", "--offset", "1");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("dsp policy, τ = 0.9, β = 1", run.Output, StringComparison.Ordinal);
        Assert.Contains("(dsp policy cold start)", run.Output, StringComparison.Ordinal);
    }
}
