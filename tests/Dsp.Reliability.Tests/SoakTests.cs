using System.Diagnostics;
using System.Globalization;
using Dsp.Functions.Planning;
using Dsp.Storage;
using Xunit.Abstractions;

namespace Dsp.Reliability.Tests;

/// <summary>
/// A thousand plans through the in-process durable host with live agents and the Table and Blob stores on Azurite:
/// the process's memory stays flat. Each finished plan is purged from the host, as a task hub's retention would,
/// so what is left is what the app itself keeps.
/// </summary>
public class SoakTests(ITestOutputHelper output)
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task A_thousand_plans_leave_the_managed_heap_and_working_set_flat()
    {
        const int WarmUp = 100;
        const int Plans = 1000;
        const int AtOnce = 50;
        await using var azurite = await PrivateAzurite.StartAsync();
        await using var server = await FaultyOpenAIServer.StartAsync(
            new FaultOptions { FailureShare = 0.05, DefaultFirstChunkDelay = TimeSpan.FromMilliseconds(5), ChunkDelay = TimeSpan.FromMilliseconds(2) }, Harness.Answer);
        var configuration = Harness.Configuration(server.Endpoint, attemptTimeout: TimeSpan.FromSeconds(5), more: Harness.StorageSettings(azurite.ConnectionString()));
        await using var planner = await InProcessPlanner.StartAsync(configuration, services => services.AddDspStorage(configuration));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        async Task<BatchReport> RunAsync(IEnumerable<int> numbers) => await PlanBatch.RunAsync(planner, numbers, AtOnce, timeout.Token, async plan =>
        {
            Assert.Equal(PlanOutcomes.Completed, plan.Result.Outcome);
            Assert.Null(plan.Result.RecordError);
            Assert.True(await planner.Client.PurgeInstanceAsync(plan.Id) is { PurgedInstanceCount: 1 }, $"plan {plan.Id} was not purged");
        });

        // Warm up (JIT, connection pools, tables), then measure across the soak in four legs.
        await RunAsync(Enumerable.Range(0, WarmUp));
        var start = Measure(server);
        var legs = new List<(int Plans, Memory Memory)> { (0, start) };
        var clock = Stopwatch.StartNew();
        for (var leg = 0; leg < 4; leg++)
        {
            var report = await RunAsync(Enumerable.Range(WarmUp + (leg * Plans / 4), Plans / 4));
            report.AssertAllCompletedLosslessly();
            legs.Add(((leg + 1) * Plans / 4, Measure(server)));
        }

        var end = legs[^1].Memory;
        foreach (var (plans, memory) in legs)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"after {plans,4} plans: managed heap {memory.Heap / (double)MiB,6:0.0} MiB, working set {memory.WorkingSet / (double)MiB,6:0.0} MiB"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Plans} plans in {clock.Elapsed.TotalSeconds:0.0} s; managed heap ×{end.Heap / (double)start.Heap:0.00}, working set ×{end.WorkingSet / (double)start.WorkingSet:0.00}"));

        // A leak of a few KB per plan would show as megabytes here; the allowance covers the collector's own
        // variation (pools, segment sizing), not growth per plan.
        Assert.True(end.Heap < (start.Heap * 1.2) + (4 * MiB), $"the managed heap grew from {start.Heap / MiB} MiB to {end.Heap / MiB} MiB");
        var secondHalf = end.Heap - legs[2].Memory.Heap;
        Assert.True(secondHalf < 4 * MiB, $"the managed heap still grew by {secondHalf / (double)MiB:0.0} MiB over the last 500 plans");
    }

    private static Memory Measure(FaultyOpenAIServer server)
    {
        // The fake model server's bookkeeping of calls is the test's, not the app's.
        server.Forget();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        return new Memory(GC.GetTotalMemory(forceFullCollection: false), process.WorkingSet64);
    }

    private sealed record Memory(long Heap, long WorkingSet);
}
