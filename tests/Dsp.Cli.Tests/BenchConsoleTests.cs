using System.Text.RegularExpressions;

namespace Dsp.Cli.Tests;

public sealed partial class BenchConsoleTests
{
    [Fact]
    public async Task Bench_prints_the_trace_set_and_one_table_row_per_policy()
    {
        var run = await DspRun.InvokeAsync("bench");

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Error);
        Assert.StartsWith("30 traces, 232 steps from openagi-gpt4turbo.jsonl", run.Output, StringComparison.Ordinal);
        foreach (var policy in new[] { "sequential", "fixed-2", "fixed-3", "fixed-4", "fixed-6", "oracle", "recorded" })
        {
            Assert.Matches($@"│ {policy} +│ +30 │", run.Output);
        }
    }

    [Fact]
    public async Task Redirected_output_is_plain_text_without_escape_codes_or_progress()
    {
        var run = await DspRun.InvokeAsync("bench", "--policies", "fixed-2");

        Assert.DoesNotContain('\u001b', run.Output);
        Assert.Equal(7, run.Output.TrimEnd().Split('\n').Length); // title, 5 table lines, replay rate
    }

    [Fact]
    public async Task Recorded_policy_is_checked_against_the_recorded_runs_time()
    {
        var run = await DspRun.InvokeAsync("bench", "--policies", "recorded");

        Assert.Matches(FidelityLine(), run.Output);
    }

    [Fact]
    public async Task Fidelity_check_is_shown_only_for_the_recorded_policy()
    {
        var run = await DspRun.InvokeAsync("bench", "--policies", "sequential,oracle");

        Assert.DoesNotContain("Fidelity", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--passes")]
    [InlineData("--repeat")]
    public async Task Passes_report_the_replay_throughput_of_every_pass_of_every_policy(string option)
    {
        var run = await DspRun.InvokeAsync("bench", "--policies", "sequential,fixed-2", option, "10");

        // 232 steps x 10 passes x 2 policies.
        Assert.Matches(@"Replayed 4,640 steps in \d+\.\d\d s \(\d+\.\d\d [kM] steps/s, one thread\)", run.Output);
        Assert.Contains("10 passes per policy", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Non_exact_judge_marks_matching_plans_as_approximately_lossless()
    {
        var run = await DspRun.InvokeAsync("bench", "--policies", "fixed-2", "--judge", "tool-call");

        Assert.Matches(@"│ fixed-2 .*│ approx\. +│", run.Output);
    }

    [GeneratedRegex(@"Fidelity: recorded runs took 1,991\.79 s; replaying their depths takes [\d,]+\.\d\d s \(simulated/recorded 0\.99\d\)\.")]
    private static partial Regex FidelityLine();
}
