using System.Net;
using Dsp.Core.Runs;
using Dsp.Core.Traces;
using Dsp.Functions.Planning;
using DurableTask.Core.Exceptions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dsp.Functions.Tests;

/// <summary><c>PUT /api/plans/{id}</c> over loopback HTTP: a chosen id starts one plan, whatever the retries and races.</summary>
public sealed class PutPlanTests : IAsyncLifetime
{
    private static readonly AgentTrace Trace = TraceReader.ReadFile(PlanHost.BundledTraces)[0];

    private LoopbackApi _api = null!;

    public async Task InitializeAsync() => _api = await LoopbackApi.StartAsync(latencyScale: 0.01);

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private Task<HttpResponseMessage> PutAsync(string id, string extra = "") => _api.Http.PutAsync($"plans/{id}", LoopbackApi.PlanRequest(Trace.Task, extra));

    private async Task<List<OrchestrationMetadata>> InstancesAsync() =>
        await _api.Host.Client.GetAllInstancesAsync(new OrchestrationQuery { FetchInputsAndOutputs = true }).ToListAsync();

    [Fact]
    public async Task The_same_request_again_answers_as_the_first_and_starts_nothing()
    {
        var first = await PutAsync("same-request");
        var again = await PutAsync("same-request");
        await _api.Host.WaitAsync("same-request");
        var afterItFinished = await PutAsync("same-request");

        Assert.All([first, again, afterItFinished], r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var bodies = await Task.WhenAll(new[] { first, again, afterItFinished }.Select(r => r.Content.ReadAsStringAsync()));
        Assert.Single(bodies.Distinct());
        Assert.Equal(new Uri(_api.Server.ApiAddress, "plans/same-request"), first.Headers.Location);
        Assert.Equal(first.Headers.Location, afterItFinished.Headers.Location);
        Assert.Equal(0, LoopbackApi.RetryAfterSeconds(afterItFinished)); // finished: its status answers 200 now
        var instance = Assert.Single(await InstancesAsync());
        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        Assert.Equal("same-request", Assert.Single(await _api.Host.Services.GetRequiredService<IRunStore>().RecentAsync(10)).RunId);
    }

    [Fact]
    public async Task Defaults_written_out_or_left_out_are_the_same_request()
    {
        var implicitDefaults = await PutAsync("defaults");
        var explicitDefaults = await PutAsync("defaults", """, "policy": "adaptive", "valueOfTime": 0.02, "judge": "exact", "agents": "default", "traceId": null""");

        Assert.Equal(HttpStatusCode.Accepted, implicitDefaults.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, explicitDefaults.StatusCode);
        Assert.Single(await InstancesAsync());
    }

    [Fact]
    public async Task A_different_request_under_a_used_id_answers_409_and_changes_nothing()
    {
        var first = await PutAsync("taken", """, "offset": 1""");
        var other = await PutAsync("taken", """, "offset": 2""");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Contains("different request", (await LoopbackApi.ReadJsonAsync(other)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, Assert.Single(await InstancesAsync()).ReadInputAs<PlanInput>()!.Offset);
    }

    [Theory]
    [InlineData("a.b")]
    [InlineData("a%20b")]
    [InlineData("%C3%A9t%C3%A9")]
    [InlineData("~tilde")]
    [InlineData("a+b")]
    [InlineData("x101xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    public async Task An_id_that_is_not_letters_digits_dashes_or_underscores_up_to_100_answers_400_naming_it(string id)
    {
        var response = await PutAsync(id);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await LoopbackApi.ReadJsonAsync(response)).GetProperty("errors");
        Assert.Equal(["id"], errors.EnumerateObject().Select(e => e.Name));
        Assert.Empty(await InstancesAsync());
    }

    [Fact]
    public async Task Identical_requests_at_once_start_one_plan()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PutAsync("at-once")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        Assert.Single((await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()))).Distinct());
        var instance = Assert.Single(await InstancesAsync());
        Assert.Equal(PlanOutcomes.Completed, (await _api.Host.WaitAsync(instance.InstanceId)).Outcome);
        Assert.Single(await _api.Host.Services.GetRequiredService<IRunStore>().RecentAsync(10));
    }

    [Fact]
    public async Task Different_requests_at_once_start_one_plan_and_refuse_the_others()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(offset => PutAsync("contested", $$""", "offset": {{offset}}""")));

        var winner = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Accepted);
        Assert.All(responses.Where(r => r != winner), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        Assert.Single(await InstancesAsync());
    }

    [Fact]
    public async Task An_id_whose_finished_plan_was_purged_stays_taken()
    {
        Assert.Equal(HttpStatusCode.Accepted, (await PutAsync("purged")).StatusCode);
        await _api.Host.WaitAsync("purged");
        await _api.Host.Client.PurgeInstanceAsync("purged");

        var again = await PutAsync("purged");

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("purged", (await LoopbackApi.ReadJsonAsync(again)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await InstancesAsync());
    }

    [Fact]
    public async Task The_durable_backend_refuses_to_start_an_existing_id_when_asked_to_dedupe()
    {
        // What PUT relies on when two requests race past its read: the second start fails instead of replacing the plan.
        var options = new StartOrchestrationOptions("dedupe").WithDedupeStatuses([.. StartOrchestrationOptionsExtensions.ValidDedupeStatuses]);
        var input = new PlanInput(Trace.Task, 0.5f, 0, 20, "exact", "default");
        await _api.Host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(SpeculativePlanOrchestrator), input, options);

        await Assert.ThrowsAsync<OrchestrationAlreadyExistsException>(() =>
            _api.Host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(SpeculativePlanOrchestrator), input with { Offset = 1 }, options));
        await _api.Host.WaitAsync("dedupe");
        await Assert.ThrowsAsync<OrchestrationAlreadyExistsException>(() =>
            _api.Host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(SpeculativePlanOrchestrator), input with { Offset = 1 }, options));
        Assert.Equal(0, Assert.Single(await InstancesAsync()).ReadInputAs<PlanInput>()!.Offset);
    }

    [Fact]
    public async Task Post_starts_a_new_plan_every_time()
    {
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var response = await _api.Http.PostAsync("plans", LoopbackApi.PlanRequest(Trace.Task));
            ids.Add((await LoopbackApi.ReadJsonAsync(response)).GetProperty("id").GetString()!);
        }

        Assert.Equal(2, ids.Distinct().Count());
        Assert.Equal(2, (await InstancesAsync()).Count);
    }
}
