using System.Text;
using Dsp.Core.Agents;
using Dsp.Core.Planning;
using Dsp.Core.Runs;
using Dsp.Core.Traces;
using Dsp.Functions.Http;
using Dsp.Functions.Planning;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
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

    private static HttpRequest Request(string body, string method = "POST") => HttpRequests.Create(body, method);

    private static HttpRequest Request(Stream body, string method = "POST", string? contentType = "application/json", long? contentLength = -1) =>
        HttpRequests.Create(body, method, contentType, contentLength);

    /// <summary>No orchestration was scheduled and nothing was stored.</summary>
    private async Task AssertNothingStartedOrStoredAsync()
    {
        Assert.Empty(await _host.Client.GetAllInstancesAsync().ToListAsync());
        Assert.Empty(await _host.Services.GetRequiredService<IRunStore>().RecentAsync(10));
        Assert.Empty((await _host.Services.GetRequiredService<ITrainingStore>().ReadSinceAsync(null, 10)).Runs);
    }

    private static ProblemDetails AssertProblem(IActionResult result, int status)
    {
        var objectResult = Assert.IsAssignableFrom<ObjectResult>(result);
        Assert.Equal(status, objectResult.StatusCode);
        var problem = Assert.IsAssignableFrom<ProblemDetails>(objectResult.Value);
        Assert.Equal(status, problem.Status);
        return problem;
    }

    private static string Body(string task, string extra = "") =>
        $$"""{"task": {{System.Text.Json.JsonSerializer.Serialize(task)}}{{extra}}}""";

    [Fact]
    public async Task A_valid_request_starts_a_plan_and_answers_202_with_its_urls()
    {
        var result = await Api.StartPlan(Request(Body(Trace.Task, """, "tradeoff": 0.9, "offset": 1, "maxSteps": 20, "judge": "exact", "agents": "default" """)), _host.Client, default);

        var accepted = Assert.IsType<PlanAcceptedResult>(result);
        var plan = Assert.IsType<PlanAccepted>(accepted.Value);
        Assert.Equal($"https://dsp.example/api/plans/{plan.Id}", plan.StatusUri);
        Assert.Equal($"{plan.StatusUri}/cancel", plan.CancelUri);
        Assert.Equal(plan.StatusUri, accepted.Location);
        var done = await _host.WaitAsync(plan.Id);
        Assert.Equal(PlanOutcomes.Completed, done.Outcome);
        // What the refused requests below must not leave behind: an orchestration and its run.
        Assert.Equal(plan.Id, Assert.Single(await _host.Client.GetAllInstancesAsync().ToListAsync()).InstanceId);
        Assert.Equal(plan.Id, Assert.Single(await _host.Services.GetRequiredService<IRunStore>().RecentAsync(10)).RunId);
    }

    [Fact]
    public async Task Null_optional_fields_take_their_defaults()
    {
        var result = await Api.StartPlan(
            Request(Body(Trace.Task, """, "tradeoff": null, "offset": null, "maxSteps": null, "judge": null, "agents": null, "traceId": null""")),
            _host.Client,
            default);

        var plan = Assert.IsType<PlanAccepted>(Assert.IsType<PlanAcceptedResult>(result).Value);
        var instance = await _host.Client.GetInstanceAsync(plan.Id, getInputsAndOutputs: true);
        Assert.Equal(
            new PlanInput(Trace.Task, PlanRequestValidator.DefaultTradeoff, 0, Math.Min(PlanRequestValidator.DefaultMaxSteps, Trace.Steps.Count), "exact", "default"),
            instance!.ReadInputAs<PlanInput>());
        await _host.WaitAsync(plan.Id);
    }

    [Theory]
    [InlineData(""", "valueOfTime": 0.05""", "adaptive", 0.05, 0.5f, 0)]
    [InlineData(""", "policy": "adaptive", "valueOfTime": 0""", "adaptive", 0.0, 0.5f, 0)]
    [InlineData(""", "policy": "dsp", "tradeoff": 0.9, "offset": 1""", "dsp", 0.02, 0.9f, 1)]
    [InlineData(""", "tradeoff": 0.9""", "dsp", 0.02, 0.9f, 0)] // written before there was a choice: dsp's knobs mean dsp
    [InlineData("", "adaptive", 0.02, 0.5f, 0)]
    public void A_plan_names_its_policy_and_its_knobs(string fields, string policy, double valueOfTime, float tradeoff, int offset)
    {
        using var body = System.Text.Json.JsonDocument.Parse(Body(Trace.Task, fields));

        var (input, errors) = _host.Services.GetRequiredService<PlanRequestValidator>().Validate(body.RootElement);

        Assert.Empty(errors);
        Assert.Equal((policy, valueOfTime, tradeoff, offset), (input!.Policy, input.ValueOfTime, input.Tradeoff, input.Offset));
    }

    // Every field: out of range, and each wrong JSON type (string for number, number for string, array, object,
    // boolean); null is "not given" (the default applies, see above) except for the required task.
    [Theory]
    [InlineData("""{"tradeoff": 0.5}""", "task", "required")]
    [InlineData("""{"task": null}""", "task", "required")]
    [InlineData("""{"task": "   "}""", "task", "not blank")]
    [InlineData("""{"task": ""}""", "task", "not blank")]
    [InlineData("""{"task": 42}""", "task", "must be a string")]
    [InlineData("""{"task": ["TASK"]}""", "task", "must be a string")]
    [InlineData("""{"task": {"text": "TASK"}}""", "task", "must be a string")]
    [InlineData("""{"task": true}""", "task", "must be a string")]
    [InlineData("""{"task": "A task nobody recorded"}""", "task", "none plays this task")]
    [InlineData("""{"task": "TASK", "tradeoff": 0}""", "tradeoff", "strictly between 0 and 1")]
    [InlineData("""{"task": "TASK", "tradeoff": 1}""", "tradeoff", "strictly between 0 and 1")]
    [InlineData("""{"task": "TASK", "tradeoff": -0.1}""", "tradeoff", "strictly between 0 and 1")]
    [InlineData("""{"task": "TASK", "tradeoff": 1e400}""", "tradeoff", "strictly between 0 and 1")]
    [InlineData("""{"task": "TASK", "tradeoff": "high"}""", "tradeoff", "must be a number")]
    [InlineData("""{"task": "TASK", "tradeoff": "0.5"}""", "tradeoff", "must be a number")]
    [InlineData("""{"task": "TASK", "tradeoff": [0.5]}""", "tradeoff", "must be a number")]
    [InlineData("""{"task": "TASK", "tradeoff": {"value": 0.5}}""", "tradeoff", "must be a number")]
    [InlineData("""{"task": "TASK", "tradeoff": true}""", "tradeoff", "must be a number")]
    [InlineData("""{"task": "TASK", "offset": -4}""", "offset", "whole number from -3 to 5")]
    [InlineData("""{"task": "TASK", "offset": 6}""", "offset", "whole number from -3 to 5")]
    [InlineData("""{"task": "TASK", "offset": 1.5}""", "offset", "whole number from -3 to 5")]
    [InlineData("""{"task": "TASK", "offset": 4294967297}""", "offset", "whole number from -3 to 5")]
    [InlineData("""{"task": "TASK", "offset": "1"}""", "offset", "whole number from -3 to 5")]
    [InlineData("""{"task": "TASK", "offset": [1]}""", "offset", "whole number from -3 to 5")]
    [InlineData("""{"task": "TASK", "offset": {}}""", "offset", "whole number from -3 to 5")]
    [InlineData("""{"task": "TASK", "offset": false}""", "offset", "whole number from -3 to 5")]
    [InlineData("""{"task": "TASK", "maxSteps": 0}""", "maxSteps", "whole number from 1 to 200")]
    [InlineData("""{"task": "TASK", "maxSteps": 201}""", "maxSteps", "whole number from 1 to 200")]
    [InlineData("""{"task": "TASK", "maxSteps": -1}""", "maxSteps", "whole number from 1 to 200")]
    [InlineData("""{"task": "TASK", "maxSteps": 20.5}""", "maxSteps", "whole number from 1 to 200")]
    [InlineData("""{"task": "TASK", "maxSteps": "20"}""", "maxSteps", "whole number from 1 to 200")]
    [InlineData("""{"task": "TASK", "maxSteps": [20]}""", "maxSteps", "whole number from 1 to 200")]
    [InlineData("""{"task": "TASK", "maxSteps": {}}""", "maxSteps", "whole number from 1 to 200")]
    [InlineData("""{"task": "TASK", "maxSteps": true}""", "maxSteps", "whole number from 1 to 200")]
    [InlineData("""{"task": "TASK", "judge": "fuzzy"}""", "judge", "Unknown judge 'fuzzy'")]
    [InlineData("""{"task": "TASK", "judge": "EXACT"}""", "judge", "Unknown judge 'EXACT'")]
    [InlineData("""{"task": "TASK", "judge": ""}""", "judge", "Unknown judge ''")]
    [InlineData("""{"task": "TASK", "judge": 1}""", "judge", "must be a string")]
    [InlineData("""{"task": "TASK", "judge": ["exact"]}""", "judge", "must be a string")]
    [InlineData("""{"task": "TASK", "judge": {}}""", "judge", "must be a string")]
    [InlineData("""{"task": "TASK", "agents": "nobody"}""", "agents", "Unknown agent profile 'nobody'")]
    [InlineData("""{"task": "TASK", "agents": ""}""", "agents", "Unknown agent profile ''")]
    [InlineData("""{"task": "TASK", "agents": 0}""", "agents", "must be a string")]
    [InlineData("""{"task": "TASK", "agents": ["default"]}""", "agents", "must be a string")]
    [InlineData("""{"task": "TASK", "agents": {"name": "default"}}""", "agents", "must be a string")]
    [InlineData("""{"task": "TASK", "traceId": "no/such/trace"}""", "traceId", "none plays this trace id")]
    [InlineData("""{"task": "TASK", "traceId": ""}""", "traceId", "none plays this trace id")]
    [InlineData("""{"task": "TASK", "traceId": 11}""", "traceId", "must be a string")]
    [InlineData("""{"task": "TASK", "traceId": ["openagi/bs16/11"]}""", "traceId", "must be a string")]
    [InlineData("""{"task": "TASK", "traceId": {}}""", "traceId", "must be a string")]
    [InlineData("""{"task": "TASK", "policy": "greedy"}""", "policy", "Unknown policy 'greedy'")]
    [InlineData("""{"task": "TASK", "policy": "Adaptive"}""", "policy", "Unknown policy 'Adaptive'")]
    [InlineData("""{"task": "TASK", "policy": 1}""", "policy", "must be a string")]
    [InlineData("""{"task": "TASK", "policy": ["dsp"]}""", "policy", "must be a string")]
    [InlineData("""{"task": "TASK", "policy": {}}""", "policy", "must be a string")]
    [InlineData("""{"task": "TASK", "policy": true}""", "policy", "must be a string")]
    [InlineData("""{"task": "TASK", "valueOfTime": -0.01}""", "valueOfTime", "from 0 to 1,000")]
    [InlineData("""{"task": "TASK", "valueOfTime": 1000.5}""", "valueOfTime", "from 0 to 1,000")]
    [InlineData("""{"task": "TASK", "valueOfTime": 1e400}""", "valueOfTime", "from 0 to 1,000")]
    [InlineData("""{"task": "TASK", "valueOfTime": "0.02"}""", "valueOfTime", "must be a number")]
    [InlineData("""{"task": "TASK", "valueOfTime": [0.02]}""", "valueOfTime", "must be a number")]
    [InlineData("""{"task": "TASK", "valueOfTime": {}}""", "valueOfTime", "must be a number")]
    [InlineData("""{"task": "TASK", "valueOfTime": false}""", "valueOfTime", "must be a number")]
    [InlineData("""{"task": "TASK", "policy": "adaptive", "tradeoff": 0.5}""", "tradeoff", "configure the dsp policy")]
    [InlineData("""{"task": "TASK", "policy": "adaptive", "offset": 1}""", "offset", "configure the dsp policy")]
    [InlineData("""{"task": "TASK", "policy": "dsp", "valueOfTime": 0.1}""", "valueOfTime", "configures the adaptive policy")]
    [InlineData("""{"task": "TASK", "colour": "blue"}""", "colour", "Unknown field")]
    [InlineData("""{"task": "TASK", "Tradeoff": 0.5}""", "Tradeoff", "Unknown field")]
    [InlineData("""[1, 2]""", "body", "must be a JSON object")]
    [InlineData("""null""", "body", "must be a JSON object")]
    [InlineData("""42""", "body", "must be a JSON object")]
    [InlineData("""  "TASK" """, "body", "must be a JSON object")]
    [InlineData("", "body", "not valid JSON")]
    [InlineData("""{"task": """, "body", "not valid JSON")]
    [InlineData("""task=TASK""", "body", "not valid JSON")]
    [InlineData("""{"task": "TASK"} {"task": "TASK"}""", "body", "not valid JSON")]
    [InlineData("""{"task": "TASK", "tradeoff": NaN}""", "body", "not valid JSON")]
    [InlineData("""{"task": "TASK" /* a comment */}""", "body", "not valid JSON")]
    [InlineData("""{"task": "TASK", "task": "TASK"}""", "body", "Duplicate")]
    [InlineData("""{"task": "\uD800 TASK"}""", "body", "not valid Unicode")]
    [InlineData("""{"task": "TASK", "\uDC00": 1}""", "body", "not valid Unicode")]
    public async Task Each_invalid_field_answers_400_naming_it_and_starts_nothing(string body, string field, string problem)
    {
        var result = await Api.StartPlan(Request(body.Replace("TASK", Trace.Task, StringComparison.Ordinal)), _host.Client, default);

        var details = Assert.IsType<ValidationProblemDetails>(Assert.IsType<BadRequestObjectResult>(result).Value);
        Assert.Equal(StatusCodes.Status400BadRequest, details.Status);
        Assert.Equal([field], details.Errors.Keys);
        Assert.Contains(problem, Assert.Single(details.Errors[field]), StringComparison.OrdinalIgnoreCase);
        await AssertNothingStartedOrStoredAsync();
    }

    [Fact]
    public async Task A_body_that_is_not_UTF_8_answers_400()
    {
        byte[] body = [.. "{\"task\": \""u8, 0xC3, 0x28, .. "\"}"u8];

        var result = await Api.StartPlan(Request(new MemoryStream(body)), _host.Client, default);

        var details = Assert.IsType<ValidationProblemDetails>(Assert.IsType<BadRequestObjectResult>(result).Value);
        Assert.Equal(["body"], details.Errors.Keys);
        Assert.Contains("not valid Unicode", details.Errors["body"][0], StringComparison.Ordinal);
        await AssertNothingStartedOrStoredAsync();
    }

    [Fact]
    public async Task A_trace_id_for_live_agents_is_refused()
    {
        // Live agents plan any task (no step limit); a trace id means nothing to them.
        var replay = _host.Services.GetRequiredService<IAgentProfiles>().Find("default")!;
        var live = replay with { Name = "live", StepLimit = (_, _) => null };
        var api = ActivatorUtilities.CreateInstance<PlansApi>(_host.Services, new PlanRequestValidator(new Profiles(live)));

        var result = await api.StartPlan(Request(Body("Any task at all", """, "agents": "live", "traceId": "openagi/bs16/11" """)), _host.Client, default);

        var details = Assert.IsType<ValidationProblemDetails>(Assert.IsType<BadRequestObjectResult>(result).Value);
        Assert.Equal(["traceId"], details.Errors.Keys);
        Assert.Contains("live", details.Errors["traceId"][0], StringComparison.Ordinal);
        await AssertNothingStartedOrStoredAsync();
    }

    [Fact]
    public async Task A_task_over_8000_characters_is_refused()
    {
        var result = await Api.StartPlan(Request(Body(new string('x', PlanRequestValidator.MaxTaskLength + 1))), _host.Client, default);

        var problem = Assert.IsType<ValidationProblemDetails>(Assert.IsType<BadRequestObjectResult>(result).Value);
        Assert.Contains("8,000", problem.Errors["task"][0]);
        await AssertNothingStartedOrStoredAsync();
    }

    [Fact]
    public async Task An_oversized_body_answers_413_unread()
    {
        var body = new MemoryStream(Encoding.UTF8.GetBytes(Body(new string('x', PlansApi.MaxBodyBytes))));

        var result = await Api.StartPlan(Request(body), _host.Client, default);

        AssertProblem(result, StatusCodes.Status413PayloadTooLarge);
        Assert.Equal(0, body.Position);
        await AssertNothingStartedOrStoredAsync();
    }

    /// <summary>A valid request padded with whitespace to <paramref name="size"/> bytes, sent with its length or chunked.</summary>
    [Theory]
    [InlineData(PlansApi.MaxBodyBytes, true, StatusCodes.Status202Accepted)]
    [InlineData(PlansApi.MaxBodyBytes, false, StatusCodes.Status202Accepted)]
    [InlineData(PlansApi.MaxBodyBytes + 1, true, StatusCodes.Status413PayloadTooLarge)]
    [InlineData(PlansApi.MaxBodyBytes + 1, false, StatusCodes.Status413PayloadTooLarge)]
    public async Task The_64_KB_limit_holds_with_or_without_a_content_length(int size, bool declared, int status)
    {
        var json = Encoding.UTF8.GetBytes(Body(Trace.Task));
        var body = json.Concat(Enumerable.Repeat((byte)' ', size - json.Length)).ToArray();

        var result = await Api.StartPlan(Request(new MemoryStream(body), contentLength: declared ? size : null), _host.Client, default);

        if (status == StatusCodes.Status202Accepted)
        {
            await _host.WaitAsync(Assert.IsType<PlanAccepted>(Assert.IsType<PlanAcceptedResult>(result).Value).Id);
        }
        else
        {
            AssertProblem(result, status);
            await AssertNothingStartedOrStoredAsync();
        }
    }

    [Fact]
    public async Task An_endless_chunked_body_is_cut_off_after_64_KB()
    {
        var body = new EndlessBody("""{"task": " """u8.ToArray());

        var result = await Api.StartPlan(Request(body, contentLength: null), _host.Client, default);

        AssertProblem(result, StatusCodes.Status413PayloadTooLarge);
        Assert.InRange(body.BytesRead, PlansApi.MaxBodyBytes, PlansApi.MaxBodyBytes + 8192);
        await AssertNothingStartedOrStoredAsync();
    }

    [Fact]
    public async Task A_content_length_that_understates_the_body_does_not_lift_the_limit()
    {
        var body = Encoding.UTF8.GetBytes(Body(new string('x', PlansApi.MaxBodyBytes)));

        var result = await Api.StartPlan(Request(new MemoryStream(body), contentLength: 100), _host.Client, default);

        AssertProblem(result, StatusCodes.Status413PayloadTooLarge);
        await AssertNothingStartedOrStoredAsync();
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/xml")]
    public async Task A_body_that_is_not_declared_JSON_answers_415_and_starts_nothing(string contentType)
    {
        var result = await Api.StartPlan(Request(new MemoryStream(Encoding.UTF8.GetBytes(Body(Trace.Task))), contentType: contentType), _host.Client, default);

        var problem = AssertProblem(result, StatusCodes.Status415UnsupportedMediaType);
        Assert.Contains("application/json", problem.Detail, StringComparison.Ordinal);
        await AssertNothingStartedOrStoredAsync();
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/merge-patch+json")]
    [InlineData(null)]
    public async Task A_JSON_body_is_accepted_with_any_JSON_content_type_or_none(string? contentType)
    {
        var result = await Api.StartPlan(Request(new MemoryStream(Encoding.UTF8.GetBytes(Body(Trace.Task))), contentType: contentType), _host.Client, default);

        await _host.WaitAsync(Assert.IsType<PlanAccepted>(Assert.IsType<PlanAcceptedResult>(result).Value).Id);
    }

    [Fact]
    public async Task An_unknown_plan_id_answers_404_and_cancels_nothing()
    {
        var get = await Api.GetPlan(Request("", "GET"), _host.Client, "no-such-plan", default);
        var cancel = await Api.CancelPlan(Request(""), _host.Client, "no-such-plan", default);

        Assert.Contains("no-such-plan", AssertProblem(get, StatusCodes.Status404NotFound).Detail, StringComparison.Ordinal);
        Assert.Contains("no-such-plan", AssertProblem(cancel, StatusCodes.Status404NotFound).Detail, StringComparison.Ordinal);
        Assert.False(await _host.Services.GetRequiredService<ICancellationStore>().IsCancelledAsync("no-such-plan", new CallKey(0, AgentRole.Target, 0)));
        await AssertNothingStartedOrStoredAsync();
    }

    [Fact]
    public async Task A_finished_plan_reports_its_plan_and_metrics_and_refuses_a_cancel()
    {
        var started = (PlanAccepted)((PlanAcceptedResult)await Api.StartPlan(Request(Body(Trace.Task)), _host.Client, default)).Value!;
        await _host.WaitAsync(started.Id);

        var status = Assert.IsType<PlanStatus>(Assert.IsType<OkObjectResult>(await Api.GetPlan(Request("", "GET"), _host.Client, started.Id, default)).Value);
        var cancel = await Api.CancelPlan(Request(""), _host.Client, started.Id, default);

        Assert.Equal("Completed", status.Status);
        Assert.Equal(Core.Simulation.TraceSimulator.TargetPlan(Trace), status.Result!.Plan);
        Assert.Equal(status.Result.Plan, status.Progress!.Verified);
        Assert.True(status.Result.Run.SequentialLatencySeconds > 0);
        Assert.True(status.Result.Run.CostUsd > 0);
        Assert.Contains("Completed", AssertProblem(cancel, StatusCodes.Status409Conflict).Detail, StringComparison.Ordinal);
        // Refused without a trace: the run is not marked cancelled and the plan stays as it finished.
        Assert.False(await _host.Services.GetRequiredService<ICancellationStore>().IsCancelledAsync(started.Id, new CallKey(0, AgentRole.Target, 0)));
        var after = await _host.Client.GetInstanceAsync(started.Id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, after!.RuntimeStatus);
        Assert.Equal(PlanOutcomes.Completed, (await _host.Services.GetRequiredService<IRunStore>().GetAsync(started.Id))!.Outcome);
    }

    [Fact]
    public async Task A_plan_that_continues_as_new_every_round_is_one_plan_for_GET_its_id_status_start_and_whole_result()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        var executions = await ContinuedPlanChecks.AssertOnePlanForTheClientAsync(_host.Planner, Trace, "continued-plan", TimeSpan.FromMilliseconds(5), timeout.Token);

        Assert.True(executions > 2, $"{executions} executions");
    }

    [Fact]
    public async Task Cancelling_a_running_plan_stops_it_and_its_in_flight_calls()
    {
        await using var slow = await PlanHost.StartAsync(latencyScale: 1.0); // real time: a plan takes a minute
        var api = ActivatorUtilities.CreateInstance<PlansApi>(slow.Services);
        var started = (PlanAccepted)((PlanAcceptedResult)await api.StartPlan(Request(Body(Trace.Task, """, "offset": 3 """)), slow.Client, default)).Value!;
        await Task.Delay(TimeSpan.FromSeconds(1));

        var cancel = await api.CancelPlan(Request(""), slow.Client, started.Id, default);
        var result = await slow.WaitAsync(started.Id, TimeSpan.FromSeconds(30));

        Assert.IsType<PlanAcceptedResult>(cancel);
        Assert.Equal(PlanOutcomes.Stopped, result.Outcome);
        Assert.NotEmpty(result.Calls);
        Assert.All(result.Calls, call => Assert.True(call.Usage.Cancelled));
        Assert.All(result.Calls, call => Assert.True(call.Usage.LatencySeconds < 5, $"{call.Call} ran {call.Usage.LatencySeconds} s"));
        var run = await slow.Services.GetRequiredService<IRunStore>().GetAsync(started.Id);
        Assert.Equal(PlanOutcomes.Stopped, run!.Outcome);
    }

    private sealed class Profiles(AgentProfile profile) : IAgentProfiles
    {
        public IReadOnlyCollection<string> Names => [profile.Name];

        public AgentProfile? Find(string name) => name == profile.Name ? profile : null;
    }

    /// <summary>A chunked body that never ends: a JSON prefix, then 'x' for ever. Counts what was read.</summary>
    private sealed class EndlessBody(byte[] prefix) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            for (var i = 0; i < count; i++)
            {
                buffer[offset + i] = BytesRead + i < prefix.Length ? prefix[BytesRead + i] : (byte)'x';
            }

            BytesRead += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
