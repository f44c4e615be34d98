using Azure.Data.Tables;
using Dsp.Core.Policy;

namespace Dsp.Storage.Tests;

public class TransitionStoreTests : StorageTest
{
    private readonly ShiftedClock _clock = new();

    protected override TimeProvider Clock => _clock;

    [Fact]
    public async Task Transitions_written_twice_by_a_replayed_activity_are_stored_once()
    {
        var store = Scope.Transitions();
        var small = Samples.Run("small");
        var large = Samples.LongRun("large", 250); // three transactions

        await store.AppendAsync("small", small);
        await store.AppendAsync("large", large);
        await store.AppendAsync("small", small);
        await store.AppendAsync("large", large);

        Assert.Equal(255, await CountRowsAsync());
        var read = await store.ReadSinceAsync(null, 1000);
        Samples.AssertSame([.. small, .. large], read.Transitions);
    }

    [Fact]
    public async Task A_write_interrupted_part_way_is_completed_by_the_replay_without_duplicates()
    {
        var store = Scope.Transitions();
        var run = Samples.LongRun("interrupted", 250);
        var table = await Scope.Account.Transitions.GetClientAsync();
        for (var i = 0; i < 130; i++)
        {
            await table.AddEntityAsync(TransitionRows.ToEntity("interrupted", i, run.Count, run[i]));
        }

        await store.AppendAsync("interrupted", run);

        Assert.Equal(250, await CountRowsAsync());
        Samples.AssertSame(run, (await store.ReadSinceAsync(null, 1000)).Transitions);
    }

    [Fact]
    public async Task A_different_transition_under_a_stored_key_is_refused_and_the_stored_one_kept()
    {
        var store = Scope.Transitions();
        var run = Samples.Run("run-1");
        await store.AppendAsync("run-1", run);

        var changed = run.Select(t => t with { Reward = 1 - t.Reward }).ToList();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.AppendAsync("run-1", changed));

        Assert.Contains("run-1", error.Message);
        Samples.AssertSame(run, (await store.ReadSinceAsync(null, 1000)).Transitions);
    }

    [Fact]
    public async Task Transitions_of_another_run_or_an_unusable_run_id_are_refused()
    {
        var store = Scope.Transitions();

        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync("run-1", Samples.Run("run-2")));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync("run#1", Samples.Run("run#1")));
    }

    [Fact]
    public async Task Reads_return_whole_runs_in_order_and_the_watermark_moves_past_them()
    {
        var store = Scope.Transitions();
        var a = Samples.Run("run-a", "first task");
        var b = Samples.Run("run-b", "second task");
        var c = Samples.Run("run-c", "third task");
        foreach (var run in new[] { a, b, c })
        {
            await store.AppendAsync(run[0].RunId, run);
            await Task.Delay(30); // distinct timestamps
        }

        var all = await store.ReadSinceAsync(null, 1000);
        Samples.AssertSame([.. a, .. b, .. c], all.Transitions);
        var nothing = await store.ReadSinceAsync(all.Watermark, 1000);
        Assert.Empty(nothing.Transitions);
        Assert.Equal(all.Watermark, nothing.Watermark);

        // Seven would split the second run: the read stops before it.
        var first = await store.ReadSinceAsync(null, 7);
        Samples.AssertSame(a, first.Transitions);
        var second = await store.ReadSinceAsync(first.Watermark, 7);
        Samples.AssertSame(b, second.Transitions);
        var third = await store.ReadSinceAsync(second.Watermark, 7);
        Samples.AssertSame(c, third.Transitions);
        Assert.True(first.Watermark < second.Watermark && second.Watermark < third.Watermark);
        Assert.Equal(all.Watermark, third.Watermark);

        // A cap below one run still returns that run whole.
        Samples.AssertSame(a, (await store.ReadSinceAsync(null, 2)).Transitions);

        var d = Samples.Run("run-d");
        await store.AppendAsync("run-d", d);
        Samples.AssertSame(d, (await store.ReadSinceAsync(all.Watermark, 1000)).Transitions);
    }

    [Fact]
    public async Task A_run_still_being_written_holds_the_read_back_until_it_is_whole()
    {
        var store = Scope.Transitions();
        var table = await Scope.Account.Transitions.GetClientAsync();
        var a = Samples.Run("run-a");
        await store.AppendAsync("run-a", a);
        await Task.Delay(30);
        var partial = Samples.Run("run-b");
        await AddRowsAsync(table, partial, 0, 2);
        await Task.Delay(30);
        var c = Samples.Run("run-c");
        await store.AppendAsync("run-c", c);

        var read = await store.ReadSinceAsync(null, 1000);
        Samples.AssertSame(a, read.Transitions);

        await AddRowsAsync(table, partial, 2, partial.Count);
        var rest = await store.ReadSinceAsync(read.Watermark, 1000);
        Samples.AssertSame([.. c, .. partial], rest.Transitions);
    }

    [Fact]
    public async Task An_abandoned_partial_run_is_skipped_and_read_whole_once_finished()
    {
        var store = Scope.Transitions();
        var table = await Scope.Account.Transitions.GetClientAsync();
        var abandoned = Samples.Run("run-x");
        await AddRowsAsync(table, abandoned, 0, 2);
        await Task.Delay(30);
        var a = Samples.Run("run-a");
        await store.AppendAsync("run-a", a);

        Assert.Empty((await store.ReadSinceAsync(null, 1000)).Transitions);
        _clock.Offset = Scope.Options.IncompleteRunGracePeriod + TimeSpan.FromMinutes(1);
        var read = await store.ReadSinceAsync(null, 1000);
        Samples.AssertSame(a, read.Transitions);

        // Finished after all: its first rows are older than the watermark, yet it is read whole.
        await AddRowsAsync(table, abandoned, 2, abandoned.Count);
        Samples.AssertSame(abandoned, (await store.ReadSinceAsync(read.Watermark, 1000)).Transitions);
    }

    [Fact]
    public async Task A_row_that_cannot_be_a_transition_fails_the_read_naming_its_run_and_row()
    {
        var store = Scope.Transitions();
        var table = await Scope.Account.Transitions.GetClientAsync();
        await store.AppendAsync("good", Samples.Run("good"));
        var row = TransitionRows.ToEntity("broken-run", 0, 1, Samples.Run("broken-run")[^1]);
        row["History"] = "not json";
        await table.AddEntityAsync(row);

        var error = await Assert.ThrowsAsync<InvalidRowException>(() => store.ReadSinceAsync(null, 1000));

        Assert.Contains("'broken-run'", error.Message);
        Assert.Contains("'000000'", error.Message);
        Assert.Contains("History", error.Message);
        Assert.Equal(("broken-run", "000000"), (error.PartitionKey, error.RowKey));
    }

    [Fact]
    public async Task A_row_missing_a_property_fails_the_read_naming_it()
    {
        var store = Scope.Transitions();
        var table = await Scope.Account.Transitions.GetClientAsync();
        var row = TransitionRows.ToEntity("run-1", 0, 1, Samples.Run("run-1")[^1]);
        row.Remove("Label");
        await table.AddEntityAsync(row);

        var error = await Assert.ThrowsAsync<InvalidRowException>(() => store.ReadSinceAsync(null, 1000));

        Assert.Contains("'Label'", error.Message);
        Assert.Contains("'run-1'", error.Message);
    }

    private async Task<int> CountRowsAsync()
    {
        var table = await Scope.Account.Transitions.GetClientAsync();
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(select: ["PartitionKey"]))
        {
            count++;
        }

        return count;
    }

    private static async Task AddRowsAsync(TableClient table, IReadOnlyList<PolicyTransition> run, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            await table.AddEntityAsync(TransitionRows.ToEntity(run[i].RunId, i, run.Count, run[i]));
        }
    }
}
