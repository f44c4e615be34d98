using System.Diagnostics;
using System.Globalization;
using Dsp.Core.Runs;
using Dsp.Functions;
using Dsp.Functions.Planning;
using Microsoft.Extensions.DependencyInjection;
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
        await using var planner = await InProcessPlanner.StartAsync(Harness.Configuration(server.Endpoint), services => services.AddInMemoryStores());

        var inputs = Enumerable.Range(0, Plans).Select(i => new PlanInput(Harness.Task(i), 0.5f, 1, 20, "exact", "default")).ToArray();
        var results = new (string Id, PlanResult Result, TimeSpan Latency)[Plans];
        using var gate = new SemaphoreSlim(AtOnce);
        var inFlight = 0;
        var peak = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Plans).Select(async i =>
        {
            await gate.WaitAsync(timeout.Token);
            try
            {
                var now = Interlocked.Increment(ref inFlight);
                InterlockedMax(ref peak, now);
                var started = Stopwatch.GetTimestamp();
                var id = await planner.StartPlanAsync(inputs[i], timeout.Token);
                var result = await planner.WaitAsync(id, timeout.Token);
                results[i] = (id, result, Stopwatch.GetElapsedTime(started));
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
                gate.Release();
            }
        }));
        var wall = clock.Elapsed;

        // Every plan completed, and is the target's own plan.
        Assert.True(peak <= AtOnce, $"{peak} plans in flight");
        for (var i = 0; i < Plans; i++)
        {
            var (_, result, _) = results[i];
            Assert.True(result.Outcome == PlanOutcomes.Completed, $"plan {i}: {result.Outcome} {result.Error}");
            Assert.Equal(Harness.TargetPlan(i), result.Plan);
            Assert.True(result.Run.Lossless);
        }

        // No transition duplicated or lost: the store holds exactly the runs' transitions, each run's equal to what
        // the engine makes of its rounds.
        var stored = (await planner.Services.GetRequiredService<ITransitionStore>().ReadSinceAsync(null, int.MaxValue)).Transitions;
        Assert.Equal(results.Sum(r => r.Result.Run.Transitions), stored.Count);
        var byRun = stored.GroupBy(t => t.RunId).ToDictionary(g => g.Key, g => g.Select(Harness.Json).ToList());
        Assert.Equal(results.Count(r => r.Result.Run.Transitions > 0), byRun.Count);
        var expectedTransitions = 0;
        for (var i = 0; i < Plans; i++)
        {
            var (id, result, _) = results[i];
            var (plan, expected) = Harness.Expected(id, inputs[i], result);
            Assert.Equal(result.Plan, plan);
            Assert.Equal(expected.Count, result.Run.Transitions);
            Assert.Equal(expected.Select(Harness.Json), byRun.GetValueOrDefault(id) ?? []);
            expectedTransitions += expected.Count;
        }

        Assert.Equal(expectedTransitions, stored.Count);
        var runs = await planner.Services.GetRequiredService<IRunStore>().RecentAsync(Plans * 2);
        Assert.Equal(Plans, runs.Count);
        Assert.Equal(results.Select(r => r.Id).Order(StringComparer.Ordinal), runs.Select(r => r.RunId).Order(StringComparer.Ordinal));

        // The faults happened, and were retried.
        Assert.InRange(server.FailingCalls / (double)server.Calls, 0.15, 0.25);
        Assert.All(faults.Kinds, kind => Assert.True(server.Faults.GetValueOrDefault(kind) > 0, $"no {kind} injected"));
        Assert.True(server.Retries >= server.FaultsInjected * 0.8, $"{server.Retries} retries for {server.FaultsInjected} faults");
        var cancelled = results.Sum(r => r.Result.Calls.Count(c => c.Usage.Cancelled));
        Assert.True(cancelled > 0, "no branch was cancelled");

        var latencies = results.Select(r => r.Latency.TotalSeconds).Order().ToArray();
        var steps = results.Sum(r => r.Result.Plan.Count);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"plans {Plans} ({AtOnce} at a time, peak {peak}), {steps} steps, {results.Sum(r => r.Result.Depths.Count)} rounds, all completed and equal to the target's plan"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"model calls {server.Calls} distinct, {server.Requests} requests; {server.FailingCalls} calls failing ({100.0 * server.FailingCalls / server.Calls:0.0}%)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"failures injected {server.FaultsInjected}: {string.Join(", ", faults.Kinds.Select(k => $"{k} {server.Faults.GetValueOrDefault(k)}"))}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"retries {server.Retries}; calls cancelled {cancelled} (streams aborted {server.Aborted})"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"transitions {stored.Count} stored = {expectedTransitions} expected; runs {runs.Count}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wall {wall.TotalSeconds:0.00} s; plan latency p50 {Percentile(latencies, 0.5):0.000} s, p95 {Percentile(latencies, 0.95):0.000} s, max {latencies[^1]:0.000} s"));
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
