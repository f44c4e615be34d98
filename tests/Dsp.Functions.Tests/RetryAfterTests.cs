using System.Globalization;
using System.Net;
using System.Text.Json;
using Dsp.Core.Planning;
using Dsp.Core.Traces;
using Dsp.Functions.Http;
using Dsp.Functions.Planning;
using Microsoft.Extensions.DependencyInjection;

namespace Dsp.Functions.Tests;

/// <summary><c>Retry-After</c> follows the plan's expected next event: when its first call in flight should finish.</summary>
public class RetryAfterTests
{
    private static readonly AgentTrace Trace = TraceReader.ReadFile(PlanHost.BundledTraces)[0];

    private static readonly DateTime T0 = new(2026, 12, 4, 12, 0, 0, DateTimeKind.Utc);

    private static (AgentRole, CallUsage) Finished(AgentRole role, double seconds, bool cancelled = false) =>
        (role, new CallUsage(100, 10, seconds, cancelled));

    private static CallLatencies Latencies(params (AgentRole Role, CallUsage Usage)[] finished) =>
        finished.Aggregate(default(CallLatencies), (latencies, call) => latencies.With(call.Role, call.Usage));

    [Fact]
    public void A_call_in_flight_is_expected_to_take_the_mean_latency_of_its_role()
    {
        var next = NextEventEstimate.Of(
            [(AgentRole.Target, T0), (AgentRole.Draft, T0.AddSeconds(1))],
            Latencies(Finished(AgentRole.Draft, 1), Finished(AgentRole.Draft, 3), Finished(AgentRole.Target, 8)));

        Assert.Equal(new DateTimeOffset(T0.AddSeconds(3)), next); // the draft: 1 s + a mean of 2 s, before the target at 8 s
    }

    [Fact]
    public void A_role_with_no_finished_call_takes_the_mean_of_all_and_cancelled_calls_are_left_out()
    {
        var next = NextEventEstimate.Of(
            [(AgentRole.Target, T0)],
            Latencies(Finished(AgentRole.Draft, 2), Finished(AgentRole.Draft, 4), Finished(AgentRole.Target, 0.1, cancelled: true)));

        Assert.Equal(new DateTimeOffset(T0.AddSeconds(3)), next);
    }

    [Fact]
    public void Nothing_is_expected_before_a_call_has_finished_or_when_nothing_is_in_flight()
    {
        Assert.Null(NextEventEstimate.Of([(AgentRole.Target, T0)], Latencies()));
        Assert.Null(NextEventEstimate.Of([(AgentRole.Target, T0)], Latencies(Finished(AgentRole.Draft, 1, cancelled: true))));
        Assert.Null(NextEventEstimate.Of([], Latencies(Finished(AgentRole.Draft, 1))));
    }

    [Theory]
    [InlineData(7.2, 8)]
    [InlineData(0.3, 1)]
    [InlineData(-4, 1)] // late on its estimate: look again soon
    [InlineData(29.5, 30)]
    [InlineData(600, 30)]
    public void Retry_after_is_the_whole_seconds_until_the_next_event_between_1_and_30(double secondsAhead, int expected)
    {
        var now = new DateTimeOffset(T0);
        var progress = new PlanProgress([], 0, 2, 0, [], now.AddSeconds(secondsAhead));

        Assert.Equal(expected, RetryAfter.While(progress, now));
    }

    [Fact]
    public void Without_an_estimate_the_shortest_wait_applies()
    {
        Assert.Equal(RetryAfter.MinSeconds, RetryAfter.While(null, DateTimeOffset.UtcNow));
        Assert.Equal(RetryAfter.MinSeconds, RetryAfter.While(new PlanProgress([], 0, 2, 0, [new(0, AgentRole.Target, 0)]), DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task The_status_of_a_running_plan_waits_until_its_next_call_is_expected()
    {
        await using var host = await PlanHost.StartAsync(latencyScale: 1.0); // real time: calls take seconds
        var started = (PlanAccepted)((PlanAcceptedResult)await ActivatorUtilities.CreateInstance<PlansApi>(host.Services)
            .StartPlan(HttpRequests.Create(JsonSerializer.Serialize(new { task = Trace.Task })), host.Client, default)).Value!;
        var progress = await WaitForEstimateAsync(host, started.Id);
        var next = progress.NextEventAt!.Value;

        var checkedAgainstTheEstimate = 0;
        foreach (var (now, expected) in new[] { (next.AddSeconds(-7.5), 8), (next.AddSeconds(2), 1), (next.AddMinutes(-5), 30) })
        {
            var api = ActivatorUtilities.CreateInstance<PlansApi>(host.Services, new FixedTime(now));
            var answer = Assert.IsType<PlanAcceptedResult>(await api.GetPlan(HttpRequests.Create("", "GET"), host.Client, started.Id, default));
            var carried = Assert.IsType<PlanStatus>(answer.Value).Progress!;
            // Its Retry-After follows the estimate it carries; that is the one read above unless a call ended meanwhile.
            Assert.Equal(RetryAfter.While(carried, now), answer.RetryAfterSeconds);
            if (carried.NextEventAt == next)
            {
                Assert.Equal(expected, answer.RetryAfterSeconds);
                checkedAgainstTheEstimate++;
            }
        }

        Assert.True(checkedAgainstTheEstimate > 0, "the plan moved on between every read");

        await host.Planner.StopAsync(started.Id, "test over");
    }

    [Fact]
    public async Task Over_http_retry_after_follows_the_plans_progress_and_is_not_a_constant()
    {
        await using var api = await LoopbackApi.StartAsync(latencyScale: 0.5);
        var started = await api.Http.PostAsync("plans", LoopbackApi.PlanRequest(Trace.Task));
        var id = (await LoopbackApi.ReadJsonAsync(started)).GetProperty("id").GetString()!;
        var seen = new List<int>();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (DateTimeOffset.UtcNow < deadline && !seen.Any(s => s >= 2))
        {
            var before = DateTimeOffset.UtcNow;
            var response = await api.Http.GetAsync($"plans/{id}");
            var after = DateTimeOffset.UtcNow;
            if (response.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var retryAfter = LoopbackApi.RetryAfterSeconds(response);
            var nextEventAt = (await LoopbackApi.ReadJsonAsync(response)).GetProperty("progress") is { ValueKind: JsonValueKind.Object } progress
                && progress.GetProperty("nextEventAt") is { ValueKind: JsonValueKind.String } next
                    ? DateTimeOffset.Parse(next.GetString()!, CultureInfo.InvariantCulture)
                    : (DateTimeOffset?)null;
            // Computed by the server between 'before' and 'after' from the estimate the answer carries.
            var earliest = RetryAfter.While(new PlanProgress([], 0, 0, 0, [], nextEventAt), after);
            var latest = RetryAfter.While(new PlanProgress([], 0, 0, 0, [], nextEventAt), before);
            Assert.InRange(retryAfter, earliest, latest);
            seen.Add(retryAfter);
            await Task.Delay(TimeSpan.FromSeconds(retryAfter));
        }

        await api.Http.PostAsync($"plans/{id}/cancel", null);
        Assert.Contains(seen, s => s >= 2);
    }

    private static async Task<PlanProgress> WaitForEstimateAsync(PlanHost host, string id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var instance = await host.Client.GetInstanceAsync(id, getInputsAndOutputs: true, timeout.Token);
            if (instance?.ReadCustomStatusAs<PlanProgress>() is { NextEventAt: not null } progress)
            {
                return progress;
            }

            await Task.Delay(100, timeout.Token);
        }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
