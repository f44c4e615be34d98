using System.Diagnostics;
using Dsp.Core.Runs;
using Dsp.Functions.Planning;
using Dsp.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Dsp.Reliability.Tests;

/// <summary>One plan of a batch: its id, input and result, and when its caller started it and saw it end.</summary>
internal sealed record BatchPlan(int Number, string Id, PlanInput Input, PlanResult Result, DateTimeOffset Started, DateTimeOffset Finished)
{
    public TimeSpan Latency => Finished - Started;
}

/// <summary>What a batch of plans did.</summary>
internal sealed record BatchReport(IReadOnlyList<BatchPlan> Plans, int PeakInFlight, TimeSpan Wall)
{
    public double Percentile(double p)
    {
        var sorted = Plans.Select(r => r.Latency.TotalSeconds).Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>Every plan completed and is the target's own plan, stored or not as <paramref name="recorded"/> says.</summary>
    public void AssertAllCompletedLosslessly(bool recorded = true)
    {
        foreach (var plan in Plans)
        {
            Assert.True(plan.Result.Outcome == PlanOutcomes.Completed, $"plan {plan.Number}: {plan.Result.Outcome} {plan.Result.Error}");
            Assert.Equal(Harness.TargetPlan(plan.Number), plan.Result.Plan);
            Assert.True(plan.Result.Run.Lossless);
            Assert.True(recorded == (plan.Result.RecordError is null), $"plan {plan.Number}: {plan.Result.RecordError ?? "recorded"}");
        }
    }

    /// <summary>
    /// No transition or judged draft duplicated or lost: the stores hold exactly the batch's runs, and each run's
    /// transitions and judged drafts equal what the engine makes of its rounds (<see cref="Harness.Expected"/>).
    /// Returns the transitions stored.
    /// </summary>
    public async Task<int> AssertStoredExactlyOnceAsync(IServiceProvider services)
    {
        var runs = (await services.GetRequiredService<ITrainingStore>().ReadSinceAsync(null, int.MaxValue)).Runs;
        var stored = runs.SelectMany(r => r.Transitions).ToList();
        var byRun = stored.GroupBy(t => t.RunId).ToDictionary(g => g.Key, g => g.Select(Harness.Json).ToList());
        var drafts = runs.ToDictionary(r => r.RunId, r => r.Examples.Drafts.Select(d => (d.Position, d.Draft, d.Accepted)).ToList());
        var expectedCount = 0;
        foreach (var plan in Plans)
        {
            var (steps, expected, judged) = Harness.Expected(plan.Id, plan.Input, plan.Result);
            Assert.Equal(plan.Result.Plan, steps);
            Assert.Equal(expected.Count, plan.Result.Run.Transitions);
            Assert.Equal(expected.Select(Harness.Json), byRun.GetValueOrDefault(plan.Id) ?? []);
            Assert.Equal(judged.Select(j => (j.Position, j.Draft, j.Accepted)), drafts.GetValueOrDefault(plan.Id) ?? []);
            expectedCount += expected.Count;
        }

        Assert.Equal(expectedCount, stored.Count);
        Assert.Equal(Plans.Count(p => p.Result.Run.Transitions > 0), byRun.Count);
        var recorded = await services.GetRequiredService<IRunStore>().RecentAsync(Plans.Count * 2);
        Assert.Equal(Plans.Select(p => p.Id).Order(StringComparer.Ordinal), recorded.Select(r => r.RunId).Order(StringComparer.Ordinal));
        return stored.Count;
    }
}

/// <summary>Runs plans through an in-process planner, a bounded number at a time.</summary>
internal static class PlanBatch
{
    /// <param name="planner">Where the plans run.</param>
    /// <param name="numbers">The plans' numbers (see <see cref="Harness.Task"/>).</param>
    /// <param name="atOnce">How many plans are in flight at most.</param>
    /// <param name="cancellationToken">Gives up on the batch.</param>
    /// <param name="finished">Called as each plan finishes (e.g. to purge it from the durable host).</param>
    /// <param name="inputOf">The plan of a number [default: its task under the default policy].</param>
    public static async Task<BatchReport> RunAsync(
        InProcessPlanner planner, IEnumerable<int> numbers, int atOnce, CancellationToken cancellationToken, Func<BatchPlan, Task>? finished = null,
        Func<int, PlanInput>? inputOf = null)
    {
        using var gate = new SemaphoreSlim(atOnce);
        var inFlight = new InFlightCounter();
        var clock = Stopwatch.StartNew();
        var plans = await Task.WhenAll(numbers.Select(async number =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                inFlight.Enter();
                var input = inputOf?.Invoke(number) ?? new PlanInput(Harness.Task(number), 0.5f, 1, 20, "exact", "default");
                var started = DateTimeOffset.UtcNow;
                var id = await planner.StartPlanAsync(input, cancellationToken);
                var result = await planner.WaitAsync(id, cancellationToken);
                var plan = new BatchPlan(number, id, input, result, started, DateTimeOffset.UtcNow);
                if (finished is not null)
                {
                    await finished(plan);
                }

                return plan;
            }
            finally
            {
                inFlight.Exit();
                gate.Release();
            }
        }));
        Assert.True(inFlight.Peak <= atOnce, $"{inFlight.Peak} plans in flight");
        return new BatchReport(plans, inFlight.Peak, clock.Elapsed);
    }
}

/// <summary>A batch of plans during which Azurite goes away for a while and comes back.</summary>
/// <param name="Batch">The plans.</param>
/// <param name="StoppedAt">When Azurite stopped.</param>
/// <param name="RestartedAt">When it accepted connections again.</param>
internal sealed record OutageReport(BatchReport Batch, DateTimeOffset StoppedAt, DateTimeOffset RestartedAt)
{
    /// <summary>Plans started before the outage and finished after it.</summary>
    public int AcrossOutage => Batch.Plans.Count(p => p.Started < StoppedAt && p.Finished > RestartedAt);

    /// <summary>Runs a batch; once <paramref name="stopAfter"/> plans have finished, Azurite stops for
    /// <paramref name="downtime"/> and starts again on the same data.</summary>
    public static async Task<OutageReport> RunAsync(
        InProcessPlanner planner, PrivateAzurite azurite, int plans, int atOnce, int stopAfter, TimeSpan downtime, CancellationToken cancellationToken)
    {
        var done = 0;
        var stopped = new TaskCompletionSource();
        DateTimeOffset stoppedAt = default, restartedAt = default;
        // Not cancellable: once stopped, Azurite always starts again.
        var outage = Task.Run(
            async () =>
            {
                await stopped.Task;
                await azurite.StopAsync();
                stoppedAt = DateTimeOffset.UtcNow;
                await Task.Delay(downtime);
                await azurite.RestartAsync();
                restartedAt = DateTimeOffset.UtcNow;
            },
            CancellationToken.None);
        var batch = await PlanBatch.RunAsync(planner, Enumerable.Range(0, plans), atOnce, cancellationToken, _ =>
        {
            if (Interlocked.Increment(ref done) == stopAfter)
            {
                stopped.SetResult();
            }

            return Task.CompletedTask;
        });
        await outage;
        return new OutageReport(batch, stoppedAt, restartedAt);
    }
}
