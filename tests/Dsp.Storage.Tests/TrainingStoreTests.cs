using Azure.Data.Tables;
using Dsp.Core.Acceptance;
using Dsp.Core.Runs;

namespace Dsp.Storage.Tests;

public class TrainingStoreTests : StorageTest
{
    [Fact]
    public async Task Transitions_and_judged_drafts_of_long_non_ASCII_runs_read_back_exactly()
    {
        var store = Scope.Training();
        var now = DateTimeOffset.UtcNow;
        var small = Samples.Training("small", "trier la liste — 並べ替え 🚀", now);
        var large = Samples.LongText("large", steps: 30, now);
        Assert.True(TableBatches.Split(TrainingRows.ToEntities(large)).Count() > 1); // several transactions

        await store.AppendAsync(small);
        await store.AppendAsync(large);

        Samples.AssertSame([small, large], (await store.ReadSinceAsync(null, 1000)).Runs);

        // The task and the steps are stored once, on the header (and its text rows): not per transition or draft.
        var rows = await RowsAsync();
        var header = rows.Single(r => r.RowKey == "large~h");
        Assert.True((int)header["TextRows"] > 0);
        Assert.Equal(large.Examples.Task.Length, TextPropertiesLength(header, "Task"));
        Assert.All(rows.Where(r => r.RowKey.StartsWith("large~t", StringComparison.Ordinal)), r =>
        {
            Assert.True(r.ContainsKey("HistoryLength"));
            Assert.False(r.ContainsKey("Task") || r.ContainsKey("History"));
        });
    }

    [Fact]
    public async Task Transitions_whose_states_are_not_the_runs_steps_are_stored_in_full_and_read_back_exactly()
    {
        var store = Scope.Training();
        var now = DateTimeOffset.UtcNow;

        // No plan: the longest history is the run's steps. Another task, and a history that leaves the steps: in full.
        var noPlan = new RunTrainingData("no-plan", now, Samples.LongRun("no-plan", 40), new RunExamples("no-plan", "a long task", [], []));
        var odd = Samples.Training("odd", completedAt: now);
        var transitions = odd.Transitions.ToList();
        transitions[1] = transitions[1] with { State = transitions[1].State with { Task = "another task" } };
        transitions[2] = transitions[2] with { State = transitions[2].State with { History = ["A", "changed"] } };
        odd = odd with { Transitions = transitions };

        await store.AppendAsync(noPlan);
        await store.AppendAsync(odd);

        Samples.AssertSame([noPlan, odd], (await store.ReadSinceAsync(null, 1000)).Runs);
        var rows = (await RowsAsync()).ToDictionary(r => r.RowKey);
        Assert.Equal(39, rows["no-plan~h"]["StepCount"]);
        Assert.Equal((0, 39), ((int)rows["no-plan~h"]["PlanLength"], (int)rows["no-plan~t000039"]["HistoryLength"]));
        Assert.Equal("another task", rows["odd~t000001"]["Task"]);
        Assert.False(rows["odd~t000002"].ContainsKey("HistoryLength"));
    }

    [Fact]
    public async Task Runs_written_twice_by_a_replayed_activity_are_stored_once()
    {
        var store = Scope.Training();
        var small = Samples.Training("small");
        var large = Samples.LongText("large", steps: 30, DateTimeOffset.UtcNow);

        await store.AppendAsync(small);
        await store.AppendAsync(large);
        await store.AppendAsync(small);
        await store.AppendAsync(large);

        Assert.Equal(TrainingRows.ToEntities(small).Count + TrainingRows.ToEntities(large).Count, (await RowsAsync()).Count);
        Samples.AssertSame([small, large], (await store.ReadSinceAsync(null, 1000)).Runs);
    }

    [Fact]
    public async Task A_write_interrupted_part_way_is_not_read_and_the_replay_completes_it_without_duplicates()
    {
        var store = Scope.Training();
        var run = Samples.LongText("interrupted", steps: 30, DateTimeOffset.UtcNow);
        await WriteFirstTransactionAsync(run);

        var before = await store.ReadSinceAsync(null, 1000);
        Assert.Empty(before.Runs);
        Assert.Null(before.Watermark);

        await store.AppendAsync(run);

        Assert.Equal(TrainingRows.ToEntities(run).Count, (await RowsAsync()).Count);
        Samples.AssertSame([run], (await store.ReadSinceAsync(null, 1000)).Runs);
    }

    [Fact]
    public async Task A_different_run_under_a_stored_key_is_refused_naming_it_and_the_stored_one_kept()
    {
        var store = Scope.Training();
        var run = Samples.Training("run-1");
        await store.AppendAsync(run);

        var changed = run with { Transitions = [.. run.Transitions.Select(t => t with { Reward = 1 - t.Reward })] };
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.AppendAsync(changed));
        Assert.Contains("'run-1'", error.Message);

        var drafts = run.Examples.Drafts;
        var otherDraft = run with { Examples = run.Examples with { Drafts = [.. drafts.Take(4), drafts[4] with { Draft = "something else" }] } };
        Assert.Contains("'run-1'", (await Assert.ThrowsAsync<InvalidOperationException>(() => store.AppendAsync(otherDraft))).Message);

        Samples.AssertSame([run], (await store.ReadSinceAsync(null, 1000)).Runs);
    }

    [Fact]
    public async Task Inconsistent_runs_and_unusable_run_ids_are_refused_and_empty_runs_store_nothing()
    {
        var store = Scope.Training();
        var run = Samples.Training("run-1");

        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(run with { Transitions = Samples.Run("run-2") }));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(run with { Examples = Samples.Examples("run-2") }));
        var beyondPlan = run.Examples with { Drafts = [run.Examples.Drafts[0] with { Position = 9 }] };
        Assert.Contains("beyond the plan", (await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(run with { Examples = beyondPlan }))).Message);
        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(Samples.Training("run#1")));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(Samples.Training(new string('r', 501))));

        await store.AppendAsync(new RunTrainingData("empty", DateTimeOffset.UtcNow, [], new RunExamples("empty", "a task", ["A"], [])));

        Assert.Empty(await Scope.TableNamesAsync());
    }

    [Fact]
    public async Task Reads_return_whole_runs_in_order_within_the_cap_and_the_watermark_moves_past_them()
    {
        var store = Scope.Training();
        var a = Samples.Training("run-a", "first task");
        var b = Samples.Training("run-b", "second task");
        var c = Samples.Training("run-c", "third task");
        foreach (var run in new[] { a, b, c })
        {
            await store.AppendAsync(run);
            await Task.Delay(30); // distinct timestamps
        }

        var all = await store.ReadSinceAsync(null, 1000);
        Samples.AssertSame([a, b, c], all.Runs);
        var nothing = await store.ReadSinceAsync(all.Watermark, 1000);
        Assert.Empty(nothing.Runs);
        Assert.Equal(all.Watermark, nothing.Watermark);

        // A run is ten rows (five transitions, five judged drafts): fifteen would split the second run, so the read
        // stops before it.
        var first = await store.ReadSinceAsync(null, 15);
        Samples.AssertSame([a], first.Runs);
        var second = await store.ReadSinceAsync(first.Watermark, 15);
        Samples.AssertSame([b], second.Runs);
        var third = await store.ReadSinceAsync(second.Watermark, 15);
        Samples.AssertSame([c], third.Runs);
        Assert.True(first.Watermark < second.Watermark && second.Watermark < third.Watermark);
        Assert.Equal(all.Watermark, third.Watermark);

        // A cap below one run still returns that run whole.
        Samples.AssertSame([a], (await store.ReadSinceAsync(null, 2)).Runs);

        var d = Samples.Training("run-d");
        await store.AppendAsync(d);
        Samples.AssertSame([d], (await store.ReadSinceAsync(all.Watermark, 1000)).Runs);
    }

    [Fact]
    public async Task A_run_written_across_a_read_is_handed_out_whole_once_committed()
    {
        var store = Scope.Training();
        var a = Samples.Training("run-a");
        await store.AppendAsync(a);
        await Task.Delay(30);
        var b = Samples.LongText("run-b", steps: 30, DateTimeOffset.UtcNow);
        await WriteFirstTransactionAsync(b);
        await Task.Delay(30);
        var c = Samples.Training("run-c");
        await store.AppendAsync(c);

        var read = await store.ReadSinceAsync(null, 1000);
        Samples.AssertSame([a, c], read.Runs);

        // Its first rows are older than the watermark, yet it is read whole, once.
        await store.AppendAsync(b);
        var rest = await store.ReadSinceAsync(read.Watermark, 1000);
        Samples.AssertSame([b], rest.Runs);
        Assert.Empty((await store.ReadSinceAsync(rest.Watermark, 1000)).Runs);
    }

    [Fact]
    public async Task A_run_recorded_late_within_the_lookback_is_read_after_the_watermark_and_one_later_only_from_before_it()
    {
        var store = Scope.Training();
        var now = DateTimeOffset.UtcNow;
        await store.AppendAsync(Samples.Training("on-time", completedAt: now));
        var read = await store.ReadSinceAsync(null, 1000);

        // Recorded 50 minutes after it completed (within the hour the reads look back): the next read has it.
        var late = Samples.Training("late", completedAt: now.AddMinutes(-50));
        await store.AppendAsync(late);
        var next = await store.ReadSinceAsync(read.Watermark, 1000);
        Samples.AssertSame([late], next.Runs);

        // Recorded three hours after: stored, but a read from the watermark does not look back that far; a read from
        // before its completion (as the retrainer's training window) has it.
        var tooLate = Samples.Training("too-late", completedAt: now.AddHours(-3));
        await store.AppendAsync(tooLate);
        Assert.Empty((await store.ReadSinceAsync(next.Watermark, 1000)).Runs);
        Samples.AssertSame([tooLate], (await store.ReadSinceAsync(tooLate.CompletedAt.AddMinutes(-1), 1000)).Runs.Where(r => r.RunId == "too-late").ToList());
    }

    [Fact]
    public async Task A_read_from_a_watermark_does_not_touch_older_tables_or_partitions()
    {
        var store = Scope.Training();
        var now = DateTimeOffset.UtcNow;
        await store.AppendAsync(Samples.Training("old-table", completedAt: now.AddDays(-5)));
        await store.AppendAsync(Samples.Training("old-partition", completedAt: now.AddHours(-3)));
        await CorruptHeaderAsync("old-table", now.AddDays(-5));
        await CorruptHeaderAsync("old-partition", now.AddHours(-3));
        var fresh = Samples.Training("fresh", completedAt: now);
        await store.AppendAsync(fresh);

        // Those rows were written after the watermark, yet the read never gets to them: it looks at the day tables and
        // partitions from an hour before the watermark on.
        Samples.AssertSame([fresh], (await store.ReadSinceAsync(now.AddMinutes(-1), 1000)).Runs);

        var error = await Assert.ThrowsAsync<InvalidRowException>(() => store.ReadSinceAsync(null, 1000));
        Assert.Contains("row format 9", error.Message);
    }

    [Fact]
    public async Task A_capped_read_stops_listing_day_tables_once_no_later_day_can_hold_an_earlier_run()
    {
        var store = Scope.Training();
        var now = DateTimeOffset.UtcNow;
        var a = Samples.Training("run-a", completedAt: now);
        await store.AppendAsync(a);
        await Task.Delay(30);
        await store.AppendAsync(Samples.Training("run-b", completedAt: now));

        // Filed two days ahead (a writer whose clock is wrong): nothing in that table became readable before its day
        // less the lookback, so a read that stops at run-b never opens it.
        await store.AppendAsync(Samples.Training("ahead", completedAt: now.AddDays(2)));
        await CorruptHeaderAsync("ahead", now.AddDays(2));

        Samples.AssertSame([a], (await store.ReadSinceAsync(null, 10)).Runs);
        await Assert.ThrowsAsync<InvalidRowException>(() => store.ReadSinceAsync(null, 1000));
    }

    [Fact]
    public async Task A_row_that_cannot_be_training_data_fails_the_read_naming_its_table_run_and_row()
    {
        var store = Scope.Training();
        var now = DateTimeOffset.UtcNow;
        await store.AppendAsync(Samples.Training("good", completedAt: now));
        var table = await Scope.Account.TrainingTable(TrainingRows.Day(now)).GetClientAsync();
        var broken = TrainingRows.ToEntities(Samples.Training("broken-run", completedAt: now));
        broken.Single(e => e.RowKey == "broken-run~t000002").Remove("Label");
        await table.SubmitTransactionAsync(broken.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)));

        var error = await Assert.ThrowsAsync<InvalidRowException>(() => store.ReadSinceAsync(null, 1000));

        Assert.Contains("'Label'", error.Message);
        Assert.Contains("'broken-run~t000002'", error.Message);
        Assert.Contains($"'{table.Name}'", error.Message);
        Assert.Equal((table.Name, TrainingRows.PartitionKey(now), "broken-run~t000002"), (error.Table, error.PartitionKey, error.RowKey));

        await table.DeleteEntityAsync(TrainingRows.PartitionKey(now), "broken-run~t000002");
        var missing = await Assert.ThrowsAsync<InvalidRowException>(() => store.ReadSinceAsync(null, 1000));
        Assert.Contains("5 transitions but 4 rows", missing.Message);
        Assert.Equal("broken-run~h", missing.RowKey);

        await table.AddEntityAsync(new TableEntity(TrainingRows.PartitionKey(now), "stray"));
        Assert.Equal("stray", (await Assert.ThrowsAsync<InvalidRowException>(() => store.ReadSinceAsync(null, 1000))).RowKey);
    }

    private static int TextPropertiesLength(TableEntity row, string name) =>
        Enumerable.Range(0, (int)row[name + "Parts"]).Sum(part => row.TryGetValue(part == 0 ? name : name + part, out var value) ? ((string)value).Length : 0);

    private async Task WriteFirstTransactionAsync(RunTrainingData run)
    {
        var table = await Scope.Account.TrainingTable(TrainingRows.Day(run.CompletedAt)).GetClientAsync();
        var first = TableBatches.Split(TrainingRows.ToEntities(run)).First();
        await table.SubmitTransactionAsync(first.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)));
    }

    private async Task CorruptHeaderAsync(string runId, DateTimeOffset completedAt)
    {
        var table = await Scope.Account.TrainingTable(TrainingRows.Day(completedAt)).GetClientAsync();
        await table.UpdateEntityAsync(new TableEntity(TrainingRows.PartitionKey(completedAt), TrainingRows.HeaderKey(runId)) { ["Format"] = 9 }, Azure.ETag.All);
    }

    private async Task<List<TableEntity>> RowsAsync()
    {
        var rows = new List<TableEntity>();
        foreach (var (_, table) in await Scope.Account.TrainingTablesAsync(null))
        {
            await foreach (var row in table.QueryAsync<TableEntity>())
            {
                rows.Add(row);
            }
        }

        return rows;
    }
}
