using Azure.Data.Tables;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using Dsp.Core.Acceptance;
using Dsp.Core.Runs;
using Dsp.Core.Simulation;
using Dsp.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dsp.Benchmarks;

/// <summary>
/// The retrainer's read of what is new on Azurite, in the current layout: <see cref="ITrainingStore.ReadSinceAsync"/>
/// from a watermark, in batches as <see cref="PolicyRetrainer"/> reads, of 5,000 new judged drafts (and their runs'
/// transitions) while 10,000 or 200,000 older rows lie in the day tables of the days before, 10,000 rows a day, as they
/// accumulate.
/// </summary>
public class TrainingReadBenchmarks : TrainingRead
{
    [Params(10_000, 200_000)]
    public int OlderRows { get; set; }

    [GlobalSetup]
    public Task SetupAsync() => SetupAsync(OlderRows, firstLayout: false);
}

/// <summary>
/// The same read in the first layout, for comparison: every row in the one <c>Transitions</c> table, read by row
/// <c>Timestamp</c>; it has no judged drafts, so the new rows are 5,000 transitions. Azurite loads that layout slowly
/// (an insert checks the rows of the same row key, and every run has a <c>000000</c>), so the larger case is 50,000.
/// </summary>
public class FirstLayoutTrainingReadBenchmarks : TrainingRead
{
    [Params(10_000, 50_000)]
    public int OlderRows { get; set; }

    [GlobalSetup]
    public Task SetupAsync() => SetupAsync(OlderRows, firstLayout: true);
}

/// <summary>
/// Loads an Azurite of its own (in memory, free ports) with older and new training data, then measures reading what
/// is new. Runs are the bundled traces as the app records them (real task and step text), under new run ids.
/// </summary>
[Config(typeof(ReadConfig))]
public abstract class TrainingRead
{
    private const int NewDrafts = 5_000;
    private const int OlderRowsPerDay = 10_000;
    private const int BatchRows = 100_000; // PolicyRetrainer's: the larger of its two caps

    private BenchmarkAzurite _azurite = null!;
    private TableTrainingStore _store = null!;
    private DateTimeOffset _watermark;

    [GlobalCleanup]
    public void Cleanup() => _azurite.Dispose();

    /// <summary>Reads everything recorded after the watermark, as the retrainer does: batches until one is empty.</summary>
    [Benchmark]
    public async Task<int> ReadNewAsync()
    {
        var rows = 0;
        DateTimeOffset? mark = _watermark;
        while (true)
        {
            var batch = await _store.ReadSinceAsync(mark, BatchRows);
            if (batch.Runs.Count == 0 || batch.Watermark == mark)
            {
                return rows;
            }

            rows += batch.Runs.Sum(r => r.Rows);
            mark = batch.Watermark;
        }
    }

    protected async Task SetupAsync(int olderRows, bool firstLayout)
    {
        _azurite = await BenchmarkAzurite.StartAsync();
        var account = new DspStorageAccount(new DspStorageOptions { ConnectionString = _azurite.ConnectionString });
        _store = new TableTrainingStore(account, TimeProvider.System, NullLogger<TableTrainingStore>.Instance);
        var templates = TraceRuns();
        var today = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero);
        Func<RunTrainingData, int> rowsOf = firstLayout ? r => r.Transitions.Count : r => r.Rows;

        // Older rows: a day's worth in each day table, from two days back (outside any read's lookback).
        var older = Runs(templates, "old", rowsOf, olderRows);
        var rows = 0;
        var dated = older.Select(run =>
        {
            var day = rows / OlderRowsPerDay;
            rows += rowsOf(run);
            return run with { CompletedAt = today.AddDays(-2 - day).AddHours(12) };
        }).ToList();
        await WriteAsync(account, dated, firstLayout);

        // The watermark: after every older row (Azurite stamps rows with this machine's clock), before every new one.
        await Task.Delay(50);
        _watermark = DateTimeOffset.UtcNow;
        await Task.Delay(50);

        var fresh = Runs(templates, "new", firstLayout ? r => r.Transitions.Count : r => r.Examples.Drafts.Count, NewDrafts)
            .Select(run => run with { CompletedAt = DateTimeOffset.UtcNow })
            .ToList();
        await WriteAsync(account, fresh, firstLayout);
        var expected = fresh.Sum(rowsOf);
        var read = await ReadNewAsync();
        if (read != expected)
        {
            throw new InvalidOperationException($"The read returned {read} rows, not the {expected} written after the watermark.");
        }

        var where = firstLayout ? "in the Transitions table" : $"in {dated.Select(r => r.CompletedAt).Distinct().Count()} day tables";
        Console.WriteLine($"// {older.Count} older runs ({dated.Sum(rowsOf)} rows {where}); {fresh.Count} new runs "
            + $"({fresh.Sum(r => r.Examples.Drafts.Count)} judged drafts, {fresh.Sum(r => r.Transitions.Count)} transitions): {expected} rows read");
    }
    /// <summary>Runs cloned from the templates under new ids until <paramref name="measure"/> sums to
    /// <paramref name="total"/> or just past it.</summary>
    private static List<RunTrainingData> Runs(List<RunTrainingData> templates, string prefix, Func<RunTrainingData, int> measure, int total)
    {
        var runs = new List<RunTrainingData>();
        for (var sum = 0; sum < total; runs.Add(Clone(templates[runs.Count % templates.Count], $"{prefix}-{runs.Count:D6}")))
        {
            sum += measure(templates[runs.Count % templates.Count]);
        }

        return runs;
    }

    private static RunTrainingData Clone(RunTrainingData run, string runId) =>
        new(runId, run.CompletedAt, [.. run.Transitions.Select(t => t with { RunId = runId })], run.Examples with { RunId = runId });

    private async Task WriteAsync(DspStorageAccount account, List<RunTrainingData> runs, bool firstLayout)
    {
        var legacy = firstLayout ? await account.Transitions.GetClientAsync() : null;
        await Parallel.ForEachAsync(runs, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (run, cancellationToken) =>
        {
            if (legacy is null)
            {
                await _store.AppendAsync(run, cancellationToken);
            }
            else
            {
                await legacy.SubmitTransactionAsync(
                    run.Transitions.Select((t, i) => new TableTransactionAction(TableTransactionActionType.Add, TransitionRows.ToEntity(run.RunId, i, run.Transitions.Count, t))),
                    cancellationToken);
            }
        });
    }

    /// <summary>The bundled traces as the app records them: each task's judged drafts (adaptive policy) and
    /// transitions (<c>dsp</c> policy), over the target's plan, which speculation does not change.</summary>
    private static List<RunTrainingData> TraceRuns()
    {
        var traces = BundledTraces.Load();
        var examples = OnlineAdaptiveBenchmark.Run(traces, 0.01, new AdaptiveLearningOptions { Passes = 1, RetrainEvery = 0 }, new SimulationOptions()).Examples;
        var transitions = OnlineDspBenchmark.Run(traces, new DspSetting(0.5f, 0), new OnlineLearningOptions { Passes = 1, RetrainEvery = 0 }, new SimulationOptions())
            .Transitions.GroupBy(t => t.RunId).Select(g => g.ToList()).ToList();
        return [.. examples.Select((run, i) => new RunTrainingData(run.RunId, default, transitions[i], run))
            .Where(r => r.Transitions.Count > 0 && r.Examples.Drafts.Count > 0)];
    }

    /// <summary>An operation takes about half a second: measured one at a time, 15 times; on a shared machine the
    /// median and the minimum say more than the mean.</summary>
    private sealed class ReadConfig : ManualConfig
    {
        public ReadConfig()
        {
            AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(15));
            AddColumn(StatisticColumn.Median, StatisticColumn.Min);
        }
    }
}
