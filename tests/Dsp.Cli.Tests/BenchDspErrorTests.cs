namespace Dsp.Cli.Tests;

public sealed class BenchDspErrorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("--tau", "0.9")]
    [InlineData("--retrain-every", "0")]
    [InlineData("--seed", "3")]
    [InlineData("--min-depth", "0")]
    [InlineData("--save-transitions", "t.jsonl")]
    public async Task Dsp_options_without_dsp_are_refused(string option, string value)
    {
        var run = await DspRun.InvokeAsync("bench", "--policies", "fixed-2,oracle", option, value);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"{option} configures the dsp policy; add dsp to --policies.", run.Error.Trim());
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Several_dsp_options_without_dsp_are_named_together()
    {
        var run = await DspRun.InvokeAsync("bench", "--tau", "0.9", "--offset", "1");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("--tau, --offset configure the dsp policy; add dsp to --policies.", run.Error.Trim());
    }

    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("0.5,1.5")]
    [InlineData("high")]
    public async Task Tau_outside_the_open_unit_interval_is_refused(string tau)
    {
        var run = await DspRun.InvokeAsync("bench", "--policies", "dsp", "--tau", tau);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--tau values must lie strictly between 0 and 1, not '", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Max_depth_below_min_depth_is_refused()
    {
        var run = await DspRun.InvokeAsync("bench", "--policies", "dsp", "--min-depth", "3", "--max-depth", "2");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("--max-depth (2) must be at least --min-depth (3).", run.Error.Trim());
    }

    [Fact]
    public async Task Corrupt_policy_snapshot_is_refused_naming_the_file_and_the_problem()
    {
        var path = _temp.File("corrupt.bin");
        File.WriteAllBytes(path, [.. "DSPP"u8, 1, 0, 0, 0, .. new byte[64]]);

        var run = await DspRun.InvokeAsync("bench", "--policies", "dsp", "--policy-snapshot", path);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"{path}: The snapshot's checksum does not match: it is truncated or corrupt.", run.Error.Trim());
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task A_snapshot_cannot_be_saved_from_a_setting_that_never_trained()
    {
        var path = _temp.File("never.bin");

        var run = await DspRun.InvokeAsync("bench", "--policies", "dsp", "--retrain-every", "0", "--save-snapshot", path);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("the first dsp setting was never trained", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }
}
