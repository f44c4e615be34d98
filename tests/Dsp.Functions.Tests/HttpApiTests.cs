using System.Text;
using Dsp.Core.Runs;
using Dsp.Core.Traces;
using Dsp.Functions.Http;
using Dsp.Functions.Planning;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Dsp.Functions.Tests;

/// <summary>The HTTP functions called directly with real requests, over the in-process durable host.</summary>
public sealed class HttpApiTests : IAsyncLifetime
{
    private static readonly AgentTrace Trace = TraceReader.ReadFile(PlanHost.BundledTraces)[0];

    private PlanHost _host = null!;

    private PlansApi Api => ActivatorUtilities.CreateInstance<PlansApi>(_host.Services);

    public async Task InitializeAsync() => _host = await PlanHost.StartAsync(latencyScale: 0.01);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static HttpRequest Request(string body, string method = "POST")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("dsp.example");
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = bytes.Length;
        context.Request.ContentType = "application/json";
        return context.Request;
    }

    private static string Body(string task, string extra = "") =>
        $$"""{"task": {{System.Text.Json.JsonSerializer.Serialize(task)}}{{extra}}}""";

    [Fact]
    public async Task A_valid_request_starts_a_plan_and_answers_202_with_its_urls()
    {
        var result = await Api.StartPlan(Request(Body(Trace.Task, """, "tradeoff": 0.9, "offset": 1, "maxSteps": 20, "judge": "exact", "agents": "default" """)), _host.Client, default);

        var accepted = Assert.IsType<AcceptedResult>(result);
        var plan = Assert.IsType<PlanAccepted>(accepted.Value);
        Assert.Equal($"https://dsp.example/api/plans/{plan.Id}", plan.StatusUri);
        Assert.Equal($"{plan.StatusUri}/cancel", plan.CancelUri);
        Assert.Equal(plan.StatusUri, accepted.Location);
        var done = await _host.WaitAsync(plan.Id);
        Assert.Equal(PlanOutcomes.Completed, done.Outcome);
    }

    [Theory]
    [InlineData("""{"tradeoff": 0.5}""", "task")]
    [InlineData("""{"task": "   "}""", "task")]
    [InlineData("""{"task": 42}""", "task")]
    [InlineData("""{"task": "TASK", "tradeoff": 0}""", "tradeoff")]
    [InlineData("""{"task": "TASK", "tradeoff": 1}""", "tradeoff")]
    [InlineData("""{"task": "TASK", "tradeoff": "high"}""", "tradeoff")]
    [InlineData("""{"task": "TASK", "offset": -4}""", "offset")]
    [InlineData("""{"task": "TASK", "offset": 6}""", "offset")]
    [InlineData("""{"task": "TASK", "offset": 1.5}""", "offset")]
    [InlineData("""{"task": "TASK", "maxSteps": 0}""", "maxSteps")]
    [InlineData("""{"task": "TASK", "maxSteps": 51}""", "maxSteps")]
    [InlineData("""{"task": "TASK", "judge": "fuzzy"}""", "judge")]
    [InlineData("""{"task": "TASK", "agents": "nobody"}""", "agents")]
    [InlineData("""{"task": "TASK", "colour": "blue"}""", "colour")]
    [InlineData("""{"task": "A task nobody recorded"}""", "task")]
    [InlineData("""{"task": "TASK", "traceId": "no/such/trace"}""", "traceId")]
    [InlineData("""[1, 2]""", "body")]
    [InlineData("""{"task": """, "body")]
    public async Task Each_invalid_field_answers_400_naming_it(string body, string field)
    {
        var result = await Api.StartPlan(Request(body.Replace("TASK", Trace.Task, StringComparison.Ordinal)), _host.Client, default);

        var problem = Assert.IsType<ValidationProblemDetails>(Assert.IsType<BadRequestObjectResult>(result).Value);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.Status);
        Assert.Equal([field], problem.Errors.Keys);
    }

    [Fact]
    public async Task A_task_over_8000_characters_is_refused()
    {
        var result = await Api.StartPlan(Request(Body(new string('x', PlanRequestValidator.MaxTaskLength + 1))), _host.Client, default);

        var problem = Assert.IsType<ValidationProblemDetails>(Assert.IsType<BadRequestObjectResult>(result).Value);
        Assert.Contains("8,000", problem.Errors["task"][0]);
    }

    [Fact]
    public async Task An_oversized_body_answers_413_unread()
    {
        var result = await Api.StartPlan(Request(Body(new string('x', PlansApi.MaxBodyBytes))), _host.Client, default);

        Assert.Equal(StatusCodes.Status413PayloadTooLarge, Assert.IsType<ObjectResult>(result).StatusCode);
    }

    [Fact]
    public async Task An_unknown_plan_id_answers_404()
    {
        var get = await Api.GetPlan(Request("", "GET"), _host.Client, "no-such-plan", default);
        var cancel = await Api.CancelPlan(Request(""), _host.Client, "no-such-plan", default);

        Assert.Equal(StatusCodes.Status404NotFound, Assert.IsType<ObjectResult>(get).StatusCode);
        Assert.Equal(StatusCodes.Status404NotFound, Assert.IsType<ObjectResult>(cancel).StatusCode);
    }

    [Fact]
    public async Task A_finished_plan_reports_its_plan_and_metrics_and_refuses_a_cancel()
    {
        var started = (PlanAccepted)((AcceptedResult)await Api.StartPlan(Request(Body(Trace.Task)), _host.Client, default)).Value!;
        await _host.WaitAsync(started.Id);

        var status = Assert.IsType<PlanStatus>(Assert.IsType<OkObjectResult>(await Api.GetPlan(Request("", "GET"), _host.Client, started.Id, default)).Value);
        var cancel = await Api.CancelPlan(Request(""), _host.Client, started.Id, default);

        Assert.Equal("Completed", status.Status);
        Assert.Equal(Core.Simulation.TraceSimulator.TargetPlan(Trace), status.Result!.Plan);
        Assert.Equal(status.Result.Plan, status.Progress!.Verified);
        Assert.True(status.Result.Run.SequentialLatencySeconds > 0);
        Assert.True(status.Result.Run.CostUsd > 0);
        Assert.Equal(StatusCodes.Status409Conflict, Assert.IsType<ObjectResult>(cancel).StatusCode);
    }

    [Fact]
    public async Task Cancelling_a_running_plan_stops_it_and_its_in_flight_calls()
    {
        await using var slow = await PlanHost.StartAsync(latencyScale: 1.0); // real time: a plan takes a minute
        var api = ActivatorUtilities.CreateInstance<PlansApi>(slow.Services);
        var started = (PlanAccepted)((AcceptedResult)await api.StartPlan(Request(Body(Trace.Task, """, "offset": 3 """)), slow.Client, default)).Value!;
        await Task.Delay(TimeSpan.FromSeconds(1));

        var cancel = await api.CancelPlan(Request(""), slow.Client, started.Id, default);
        var result = await slow.WaitAsync(started.Id, TimeSpan.FromSeconds(30));

        Assert.IsType<AcceptedResult>(cancel);
        Assert.Equal(PlanOutcomes.Stopped, result.Outcome);
        Assert.NotEmpty(result.Calls);
        Assert.All(result.Calls, call => Assert.True(call.Usage.Cancelled));
        Assert.All(result.Calls, call => Assert.True(call.Usage.LatencySeconds < 5, $"{call.Call} ran {call.Usage.LatencySeconds} s"));
        var run = await slow.Services.GetRequiredService<IRunStore>().GetAsync(started.Id);
        Assert.Equal(PlanOutcomes.Stopped, run!.Outcome);
    }
}
