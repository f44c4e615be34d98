namespace Dsp.Cli.Tests;

public sealed class PriorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The shipped prior, as the CLI project copies it next to the tests.</summary>
    private static string ShippedPrior => Path.Combine(AppContext.BaseDirectory, "policy", "prior.dspa");

    [Fact]
    public async Task The_documented_command_rebuilds_the_shipped_prior_byte_for_byte()
    {
        var path = _temp.File("prior.dspa");

        var run = await DspRun.InvokeAsync("prior", "--out", path);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("231 judged drafts of 30 runs", run.Output, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(ShippedPrior), await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_prior_can_leave_a_task_out()
    {
        var path = _temp.File("prior.dspa");

        var run = await DspRun.InvokeAsync("prior", "--out", path, "--exclude-task", "Given blurry image, how to return the regular image step by step?");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("of 27 runs", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prior_with_nothing_left_to_learn_from_is_refused()
    {
        var traces = _temp.File("one.jsonl");
        await File.WriteAllLinesAsync(traces, [(await File.ReadAllLinesAsync(DspRun.BundledTraces))[0]]);
        var task = "Given blurry image, how to return the regular image step by step?";

        var run = await DspRun.InvokeAsync("prior", "--traces", traces, "--exclude-task", task, "--out", _temp.File("prior.dspa"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("No recorded draft is left", run.Error, StringComparison.Ordinal);
    }
}
