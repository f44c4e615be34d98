namespace Dsp.Storage.Tests;

public class RunStoreTests : StorageTest
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 30, 15, 123, TimeSpan.Zero);

    [Fact]
    public async Task A_run_saved_twice_is_stored_once_and_the_first_write_wins()
    {
        var store = Scope.Runs();
        var first = Samples.Record("run-1", T0, steps: 6);

        Assert.True(await store.SaveAsync(first));
        Assert.False(await store.SaveAsync(first with { Steps = 9, CompletedAt = T0.AddMinutes(5) }));

        Assert.Equal(first, await store.GetAsync("run-1"));
        Assert.Equal([first], await store.RecentAsync(10));
    }

    [Fact]
    public async Task Recent_runs_come_newest_first()
    {
        var store = Scope.Runs();
        var runs = new[] { 3, 0, 4, 1, 2 }.Select(i => Samples.Record($"run-{i}", T0.AddSeconds(i))).ToList();
        runs.Add(Samples.Record("zz-late-in-key-order", T0.AddSeconds(-10)));
        runs.Add(Samples.Record("é-after-the-index-in-key-order", T0.AddSeconds(-20)));
        foreach (var run in runs)
        {
            await store.SaveAsync(run);
        }

        var recent = await store.RecentAsync(3);

        Assert.Equal(["run-4", "run-3", "run-2"], recent.Select(r => r.RunId));
        Assert.Equal(
            ["run-4", "run-3", "run-2", "run-1", "run-0", "zz-late-in-key-order", "é-after-the-index-in-key-order"],
            (await store.RecentAsync(100)).Select(r => r.RunId));
        Assert.Empty(await store.RecentAsync(0));
    }

    [Fact]
    public async Task An_unknown_run_is_null_and_an_index_like_id_is_refused()
    {
        var store = Scope.Runs();

        Assert.Null(await store.GetAsync("missing"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync(Samples.Record("~0000", T0)));
    }

    [Fact]
    public async Task A_run_without_a_policy_version_round_trips()
    {
        var store = Scope.Runs();
        var run = Samples.Record("cold", T0) with { PolicyVersion = null, Outcome = "Stopped", Lossless = false };

        await store.SaveAsync(run);

        Assert.Equal(run, await store.GetAsync("cold"));
    }

    [Fact]
    public async Task A_run_row_written_before_call_counts_were_kept_reads_them_as_zero()
    {
        var store = Scope.Runs();
        var table = await Scope.Account.Runs.GetClientAsync();
        var run = Samples.Record("older", T0);
        var row = RunRows.ToEntity(run, run.RunId);
        row.Remove("Calls");
        row.Remove("CancelledCalls");
        row.Remove("Retries");
        await table.AddEntityAsync(row);

        Assert.Equal(run with { Calls = 0, CancelledCalls = 0, Retries = 0 }, await store.GetAsync("older"));
    }
}
