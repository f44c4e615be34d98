using System.Diagnostics.Tracing;
using System.Globalization;
using Azure.Core.Diagnostics;
using Dsp.Core.Runs;
using Dsp.Functions.Tests;
using Dsp.Hosting;
using Dsp.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Dsp.Reliability.Tests;

/// <summary>
/// Plans on the app's Table and Blob stores, on an Azurite of the test's own, while storage fails: writes answered
/// 503 (before or after they apply, once or until the storage client gives up) or refused through a proxy, and Azurite
/// stopped and restarted mid-batch. Runs, transitions and judged drafts are stored exactly once, or the plan says loudly
/// why its run was not.
/// </summary>
public class StorageFaultTests(ITestOutputHelper output)
{
    private static readonly FaultOptions ModelLatency = new()
    {
        FailureShare = 0,
        DefaultFirstChunkDelay = TimeSpan.FromMilliseconds(20),
        FirstChunkDelay = new Dictionary<string, TimeSpan> { ["target"] = TimeSpan.FromMilliseconds(120) },
        ChunkDelay = TimeSpan.FromMilliseconds(5),
    };

    /// <summary>
    /// About a quarter of the writes fail, each on one request: on a single try (the storage client retries it) or, for
    /// 8% of them, on every try until the client gives up, which fails the activity so that the orchestrator delivers it
    /// again. A <c>RecordRun</c> here makes two writes (its training rows, its run), so at most two of its four
    /// deliveries fail.
    /// </summary>
    [Fact]
    public async Task Table_writes_failing_before_or_after_they_apply_store_every_run_transition_and_judged_draft_once()
    {
        await using var azurite = await PrivateAzurite.StartAsync();
        var shares = new Dictionary<StorageFault, double>
        {
            [StorageFault.UnavailableBefore] = 0.08,
            [StorageFault.UnavailableAfter] = 0.08,
            [StorageFault.OutageBefore] = 0.04,
            [StorageFault.OutageAfter] = 0.04,
        };
        await using var proxy = await StorageFaultProxy.StartAsync(new StorageFaultOptions { Shares = shares }, azurite.TableEndpoint);
        await using var server = await FaultyOpenAIServer.StartAsync(ModelLatency, Harness.Answer);
        var storage = Harness.StorageSettings(azurite.ConnectionString(proxy.TableEndpoint));
        storage["Dsp:Storage:MaxRetries"] = "3"; // the client gives up on an outage after ~1.4 s of back-off, not ~7
        var configuration = Harness.Configuration(server.Endpoint, more: storage);
        await using var planner = await InProcessPlanner.StartAsync(configuration, services => services.AddDspStorage(configuration));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(240));
        var batch = await PlanBatch.RunAsync(planner, Enumerable.Range(0, 40), 20, timeout.Token);

        batch.AssertAllCompletedLosslessly();
        var transitions = await batch.AssertStoredExactlyOnceAsync(planner.Services);
        Assert.All(shares.Keys, fault => Assert.True(proxy.Faults.GetValueOrDefault(fault) > 0, $"no {fault} injected"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"plans {batch.Plans.Count} completed; table write requests {proxy.Writes} (tries included), writes failed {proxy.Faults.Values.Sum()}: {string.Join(", ", shares.Keys.Select(f => $"{f} {proxy.Faults.GetValueOrDefault(f)}"))}"));
        var prefix = storage["Dsp:Storage:TablePrefix"]!;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"writes failed by table: {string.Join(", ", proxy.FaultsByTable.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key.Replace(prefix, "", StringComparison.Ordinal)} {t.Value}"))}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"runs {batch.Plans.Count} and transitions {transitions} stored once each; wall {batch.Wall.TotalSeconds:0.0} s, p95 {batch.Percentile(0.95):0.00} s"));
    }

    [Fact]
    public async Task A_runs_table_that_refuses_every_write_keeps_each_plan_and_reports_why_its_run_was_not_recorded()
    {
        await using var azurite = await PrivateAzurite.StartAsync();
        var storage = Harness.StorageSettings(azurite.ConnectionString());
        var runsTable = storage["Dsp:Storage:TablePrefix"] + DspStorageAccount.RunsTableName;
        await using var proxy = await StorageFaultProxy.StartAsync(new StorageFaultOptions { RejectWritesTo = runsTable }, azurite.TableEndpoint);
        storage["Dsp:Storage:ConnectionString"] = azurite.ConnectionString(proxy.TableEndpoint);
        await using var server = await FaultyOpenAIServer.StartAsync(ModelLatency, Harness.Answer);
        var configuration = Harness.Configuration(server.Endpoint, more: storage);
        var logs = new LogCapture();
        await using var planner = await InProcessPlanner.StartAsync(
            configuration, services => services.AddDspStorage(configuration), services => services.AddLogging(l => l.AddProvider(logs)));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var batch = await PlanBatch.RunAsync(planner, Enumerable.Range(0, 2), 2, timeout.Token);

        batch.AssertAllCompletedLosslessly(recorded: false);
        foreach (var plan in batch.Plans)
        {
            Assert.Contains("403", plan.Result.RecordError, StringComparison.Ordinal);
            Assert.Contains("AuthorizationPermissionMismatch", plan.Result.RecordError, StringComparison.Ordinal);
            Assert.Contains(logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains(plan.Id, StringComparison.Ordinal) && e.Message.Contains("403", StringComparison.Ordinal));
            Assert.Null(await planner.Services.GetRequiredService<IRunStore>().GetAsync(plan.Id));
        }

        // Each plan's RecordRun was delivered four times (the orchestrator's retries), each refused.
        Assert.Equal(2 * 4, proxy.Rejected);
        output.WriteLine($"first error: {batch.Plans[0].Result.RecordError}");
    }

    [Fact]
    public async Task Plans_in_flight_when_Azurite_stops_finish_after_it_restarts_and_the_tables_hold_every_run_and_transition_once()
    {
        const int Plans = 60;
        const int AtOnce = 20;
        const int StopAfter = 15;
        await using var azurite = await PrivateAzurite.StartAsync();
        await using var server = await FaultyOpenAIServer.StartAsync(ModelLatency, Harness.Answer);
        var configuration = Harness.Configuration(server.Endpoint, more: Harness.StorageSettings(azurite.ConnectionString()));
        await using var planner = await InProcessPlanner.StartAsync(configuration, services => services.AddDspStorage(configuration));
        var retries = 0;
        using var storageRetries = new AzureEventSourceListener(
            (e, _) =>
            {
                if (e.EventName == "RequestRetrying")
                {
                    Interlocked.Increment(ref retries);
                }
            },
            EventLevel.Informational);

        // Once StopAfter plans are done, storage goes away for three seconds.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(240));
        var outage = await OutageReport.RunAsync(planner, azurite, Plans, AtOnce, StopAfter, TimeSpan.FromSeconds(3), timeout.Token);
        var (batch, stoppedAt, restartedAt) = (outage.Batch, outage.StoppedAt, outage.RestartedAt);

        batch.AssertAllCompletedLosslessly();
        var transitions = await batch.AssertStoredExactlyOnceAsync(planner.Services);
        var across = outage.AcrossOutage;
        Assert.True(across > 0, "no plan was in flight across the outage");
        Assert.True(retries > 0, "no storage request was retried: the outage missed the batch");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"plans {Plans} ({AtOnce} at a time); Azurite stopped after {StopAfter} finished and restarted {(restartedAt - stoppedAt).TotalSeconds:0.0} s later; {across} plans in flight across the outage"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"storage requests retried {retries}; all plans completed; runs {Plans} and transitions {transitions} stored once each"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wall {batch.Wall.TotalSeconds:0.0} s; plan latency p50 {batch.Percentile(0.5):0.00} s, max {batch.Percentile(1):0.00} s"));
    }
}
