using Azure.Data.Tables;
using Dsp.Core.Policy;

namespace Dsp.Storage.Tests;

/// <summary>Rows of the first layout (the <c>Transitions</c> table) still read, until the table is drained.</summary>
public class LegacyTransitionsTests : StorageTest
{
    private readonly ShiftedClock _clock = new();

    protected override TimeProvider Clock => _clock;

    [Fact]
    public async Task Runs_of_the_first_layout_read_as_transitions_without_judged_drafts_in_order_with_new_runs()
    {
        var store = Scope.Training();
        var old1 = Samples.Run("old-1", "an old task");
        await AddLegacyAsync(old1);
        await Task.Delay(30);
        var current = Samples.Training("new-1");
        await store.AppendAsync(current);
        await Task.Delay(30);
        var old2 = Samples.LongRun("old-2", 130); // two transactions' worth, as the first layout wrote it
        await AddLegacyAsync(old2);

        var read = await store.ReadSinceAsync(null, 1000);

        Assert.Equal(["old-1", "new-1", "old-2"], read.Runs.Select(r => r.RunId));
        Samples.AssertSame(old1, read.Runs[0].Transitions);
        Samples.AssertSame(current, read.Runs[1]);
        Samples.AssertSame(old2, read.Runs[2].Transitions);
        foreach (var legacy in new[] { read.Runs[0], read.Runs[2] })
        {
            Assert.Equal((legacy.RunId, legacy.Transitions[0].State.Task), (legacy.Examples.RunId, legacy.Examples.Task));
            Assert.Empty(legacy.Examples.Plan);
            Assert.Empty(legacy.Examples.Drafts);
        }

        Assert.Empty((await store.ReadSinceAsync(read.Watermark, 1000)).Runs);
        var capped = await store.ReadSinceAsync(null, 5);
        Assert.Equal(["old-1"], capped.Runs.Select(r => r.RunId));
        Assert.Equal(["new-1"], (await store.ReadSinceAsync(capped.Watermark, 10)).Runs.Select(r => r.RunId));
    }

    [Fact]
    public async Task A_legacy_run_still_being_written_holds_the_read_back_and_an_abandoned_one_is_skipped()
    {
        var store = Scope.Training();
        var a = Samples.Training("run-a");
        await store.AppendAsync(a);
        await Task.Delay(30);
        var partial = Samples.Run("run-b");
        await AddLegacyAsync(partial, 0, 2);
        await Task.Delay(30);
        var c = Samples.Training("run-c");
        await store.AppendAsync(c);

        var read = await store.ReadSinceAsync(null, 1000);
        Samples.AssertSame([a], read.Runs);

        // Abandoned once the grace period is over: skipped; finished after all: read whole.
        _clock.Offset = Scope.Options.IncompleteRunGracePeriod + TimeSpan.FromMinutes(1);
        var rest = await store.ReadSinceAsync(read.Watermark, 1000);
        Samples.AssertSame([c], rest.Runs);
        await AddLegacyAsync(partial, 2, partial.Count);
        var finished = await store.ReadSinceAsync(rest.Watermark, 1000);
        Assert.Equal(["run-b"], finished.Runs.Select(r => r.RunId));
        Samples.AssertSame(partial, finished.Runs[0].Transitions);
    }

    [Fact]
    public async Task Once_quiet_for_an_hour_the_legacy_table_is_recorded_drained_and_reads_from_later_watermarks_skip_it()
    {
        var store = Scope.Training();
        await AddLegacyAsync(Samples.Run("old-1"));
        await Task.Delay(30);
        await store.AppendAsync(Samples.Training("new-1"));

        // Not quiet yet: nothing recorded.
        var read = await store.ReadSinceAsync(null, 1000);
        Assert.Equal(["old-1", "new-1"], read.Runs.Select(r => r.RunId));
        Assert.Null(await DrainedThroughAsync());

        _clock.Offset = TimeSpan.FromMinutes(61);
        var again = await store.ReadSinceAsync(null, 1000);
        Assert.Equal(read.Watermark, again.Watermark);
        var drained = await DrainedThroughAsync();
        Assert.NotNull(drained);
        Assert.True(drained < read.Watermark);

        // A row an old writer added afterwards (none is left in practice) shows the table is no longer read from a
        // watermark at or after the drained instant — another instance included — while a full read still has it.
        var straggler = Samples.Run("straggler");
        await AddLegacyAsync(straggler);
        var table = await Scope.Account.Transitions.GetClientAsync();
        var corrupt = TransitionRows.ToEntity("corrupt", 0, 1, straggler[0]);
        corrupt["History"] = "not json";
        await table.AddEntityAsync(corrupt);
        foreach (var reader in new[] { store, new TableTrainingStore(Scope.SecondAccount(), _clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<TableTrainingStore>.Instance) })
        {
            Assert.Empty((await reader.ReadSinceAsync(read.Watermark, 1000)).Runs);
            Assert.Equal(["new-1"], (await reader.ReadSinceAsync(drained, 1000)).Runs.Select(r => r.RunId));
        }

        var error = await Assert.ThrowsAsync<InvalidRowException>(() => store.ReadSinceAsync(null, 1000));
        Assert.Equal((Scope.Account.Transitions.Name, "corrupt"), (error.Table, error.PartitionKey));
    }

    [Fact]
    public async Task Legacy_rows_that_cannot_be_transitions_fail_the_read_naming_their_run_and_row()
    {
        var store = Scope.Training();
        var table = await Scope.Account.Transitions.GetClientAsync();
        var row = TransitionRows.ToEntity("broken-run", 0, 1, Samples.Run("broken-run")[^1]);
        row["History"] = "not json";
        await table.AddEntityAsync(row);

        var error = await Assert.ThrowsAsync<InvalidRowException>(() => store.ReadSinceAsync(null, 1000));

        Assert.Contains("'broken-run'", error.Message);
        Assert.Contains("'000000'", error.Message);
        Assert.Contains("History", error.Message);
        Assert.Equal(("broken-run", "000000"), (error.PartitionKey, error.RowKey));

        await table.DeleteEntityAsync("broken-run", "000000");
        var missing = TransitionRows.ToEntity("run-1", 0, 1, Samples.Run("run-1")[^1]);
        missing.Remove("Label");
        await table.AddEntityAsync(missing);
        var second = await Assert.ThrowsAsync<InvalidRowException>(() => store.ReadSinceAsync(null, 1000));
        Assert.Contains("'Label'", second.Message);
        Assert.Contains("'run-1'", second.Message);
    }

    private async Task<DateTimeOffset?> DrainedThroughAsync()
    {
        var state = await Scope.Account.TrainingState.GetClientAsync();
        var row = await state.GetEntityIfExistsAsync<TableEntity>(LegacyTransitionReader.StatePartition, LegacyTransitionReader.StateRow);
        return row.HasValue ? new DateTimeOffset((long)row.Value!["ThroughTicks"], TimeSpan.Zero) : null;
    }

    private async Task AddLegacyAsync(IReadOnlyList<PolicyTransition> run, int from = 0, int? to = null)
    {
        var table = await Scope.Account.Transitions.GetClientAsync();
        for (var i = from; i < (to ?? run.Count); i++)
        {
            await table.AddEntityAsync(TransitionRows.ToEntity(run[i].RunId, i, run.Count, run[i]));
        }
    }
}
