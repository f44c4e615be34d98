using System.Globalization;
using Dsp.Functions;
using Dsp.Hosting;
using Xunit.Abstractions;

// The load test measures: keep the other tests from running beside it.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Dsp.Reliability.Tests;

/// <summary>
/// Many plans at once through the Functions app's orchestrator on the in-process durable host, with live agents
/// against a local server that fails a share of model calls transiently.
/// </summary>
public class LoadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_hundred_plans_fifty_at_a_time_with_a_fifth_of_calls_failing_all_complete_losslessly_and_record_every_transition_once()
    {
        const int Plans = 200;
        const int AtOnce = 50;
        var faults = new FaultOptions
        {
            Seed = 7,
            FailureShare = 0.2,
            RetryAfterSeconds = 0,
            DefaultFirstChunkDelay = TimeSpan.FromMilliseconds(5),
            FirstChunkDelay = new Dictionary<string, TimeSpan> { ["target"] = TimeSpan.FromMilliseconds(30) },
            ChunkDelay = TimeSpan.FromMilliseconds(3),
        };
        await using var server = await FaultyOpenAIServer.StartAsync(faults, Harness.Answer);
        await using var planner = await InProcessPlanner.StartAsync(Harness.Configuration(server.Endpoint, attemptTimeout: TimeSpan.FromSeconds(2)), services => services.AddInMemoryStores());

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        var batch = await PlanBatch.RunAsync(planner, Enumerable.Range(0, Plans), AtOnce, timeout.Token);

        batch.AssertAllCompletedLosslessly();
        var stored = await batch.AssertStoredExactlyOnceAsync(planner.Services);

        // The faults happened, and were retried.
        Assert.InRange(server.FailingCalls / (double)server.Calls, 0.15, 0.25);
        Assert.All(faults.Kinds, kind => Assert.True(server.Faults.GetValueOrDefault(kind) > 0, $"no {kind} injected"));
        Assert.True(server.Retries >= server.FaultsInjected * 0.8, $"{server.Retries} retries for {server.FaultsInjected} faults");
        var cancelled = batch.Plans.Sum(r => r.Result.Calls.Count(c => c.Usage.Cancelled));
        Assert.True(cancelled > 0, "no branch was cancelled");

        var steps = batch.Plans.Sum(r => r.Result.Plan.Count);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"plans {Plans} ({AtOnce} at a time, peak {batch.PeakInFlight}), {steps} steps, {batch.Plans.Sum(r => r.Result.Depths.Count)} rounds, all completed and equal to the target's plan"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"model calls {server.Calls} distinct, {server.Requests} requests; {server.FailingCalls} calls failing ({100.0 * server.FailingCalls / server.Calls:0.0}%)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"failures injected {server.FaultsInjected}: {string.Join(", ", faults.Kinds.Select(k => $"{k} {server.Faults.GetValueOrDefault(k)}"))}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"retries {server.Retries}; calls cancelled {cancelled} (streams aborted {server.Aborted})"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"transitions {stored} stored = expected; runs {Plans}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wall {batch.Wall.TotalSeconds:0.00} s; plan latency p50 {batch.Percentile(0.5):0.000} s, p95 {batch.Percentile(0.95):0.000} s, max {batch.Percentile(1):0.000} s"));
    }
}
