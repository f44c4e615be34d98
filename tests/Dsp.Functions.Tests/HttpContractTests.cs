using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Dsp.Core.Traces;
using Dsp.Functions.Http;
using Dsp.Functions.Planning;

namespace Dsp.Functions.Tests;

/// <summary>
/// The HTTP functions over real loopback HTTP, their answers serialized by MVC as the worker serializes them, checked
/// against openapi.json: every answer the document describes is given and matches it, and no answer it does not.
/// </summary>
public sealed class HttpContractTests : IAsyncLifetime
{
    private static readonly AgentTrace Trace = TraceReader.ReadFile(PlanHost.BundledTraces)[0];

    private readonly HashSet<(string Path, HttpMethod Method, string Status)> _answered = [];

    private LoopbackApi _api = null!;

    // A plan takes a few seconds: long enough to be seen running and to be cancelled.
    public async Task InitializeAsync() => _api = await LoopbackApi.StartAsync(latencyScale: 0.05);

    public async Task DisposeAsync() => await _api.DisposeAsync();

    /// <summary>Sends a request, checks the answer against the document and notes which documented answer it was.</summary>
    private async Task<HttpResponseMessage> SendAsync(string path, HttpMethod method, string url, HttpContent? content = null, bool key = true)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        if (key)
        {
            request.Headers.Add(FunctionsLoopbackServer.KeyHeader, FunctionsLoopbackServer.FunctionKey);
        }

        var response = await _api.Anonymous.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        Assert.Empty(await ApiContract.CheckAnswerAsync(path, method, response));
        _answered.Add((path, method, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)));
        return response;
    }

    [Fact]
    public async Task Every_documented_answer_is_given_and_matches_the_document()
    {
        const string Plans = "/plans", Plan = "/plans/{id}", Cancel = "/plans/{id}/cancel", Policy = "/policy", Document = "/openapi.json";
        var post = HttpMethod.Post;

        // Start, follow while it runs, cancel: a plan that is stopped.
        var started = await LoopbackApi.ReadJsonAsync(await SendAsync(Plans, post, "plans", LoopbackApi.PlanRequest(Trace.Task, """, "offset": 3""")));
        var stopping = started.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(Plan, HttpMethod.Get, $"plans/{stopping}")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(Cancel, post, $"plans/{stopping}/cancel")).StatusCode);
        Assert.Equal(PlanOutcomes.Stopped, (await _api.Host.WaitAsync(stopping)).Outcome);

        // A plan under a chosen id, followed to its end; then its finished answers.
        const string Chosen = "contract-plan-1";
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(Plan, HttpMethod.Put, $"plans/{Chosen}", LoopbackApi.PlanRequest(Trace.Task))).StatusCode);
        await _api.Host.WaitAsync(Chosen);
        var finished = await SendAsync(Plan, HttpMethod.Get, $"plans/{Chosen}");
        Assert.Equal(HttpStatusCode.OK, finished.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(Cancel, post, $"plans/{Chosen}/cancel")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(Plan, HttpMethod.Put, $"plans/{Chosen}", LoopbackApi.PlanRequest(Trace.Task, """, "offset": 1"""))).StatusCode);

        // Refusals.
        static StringContent TooLarge() => LoopbackApi.PlanRequest(new string('x', PlansApi.MaxBodyBytes));
        static StringContent NotJson() => new("task=plan", Encoding.UTF8, "text/plain");
        foreach (var (path, method, url) in new[] { (Plans, post, "plans"), (Plan, HttpMethod.Put, "plans/contract-refused") })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(path, method, url, LoopbackApi.Json("""{"task": 1}"""))).StatusCode);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await SendAsync(path, method, url, TooLarge())).StatusCode);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await SendAsync(path, method, url, NotJson())).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(path, method, url, LoopbackApi.PlanRequest(Trace.Task), key: false)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(Plan, HttpMethod.Put, "plans/not.a.valid.id", LoopbackApi.PlanRequest(Trace.Task))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Plan, HttpMethod.Get, "plans/no-such-plan")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(Cancel, post, "plans/no-such-plan/cancel")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(Plan, HttpMethod.Get, $"plans/{Chosen}", key: false)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(Cancel, post, $"plans/{Chosen}/cancel", key: false)).StatusCode);

        // The policy, and the document itself (anonymous).
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(Policy, HttpMethod.Get, "policy")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(Policy, HttpMethod.Get, "policy", key: false)).StatusCode);
        var document = await SendAsync(Document, HttpMethod.Get, "openapi.json", key: false);
        Assert.Equal(await File.ReadAllBytesAsync(OpenApiDocumentTests.DocumentPath), await document.Content.ReadAsByteArrayAsync());

        Assert.Equal(
            ApiContract.DocumentedAnswers().Select(a => $"{a.Method} {a.Path} {a.Status}").Order(),
            _answered.Select(a => $"{a.Method} {a.Path} {a.Status}").Order());
    }

    [Fact]
    public async Task The_function_key_is_also_taken_from_the_code_query_parameter()
    {
        var withCode = await _api.Anonymous.GetAsync($"policy?code={FunctionsLoopbackServer.FunctionKey}");
        var wrongCode = await _api.Anonymous.GetAsync("policy?code=not-the-key");

        Assert.Equal(HttpStatusCode.OK, withCode.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongCode.StatusCode);
        Assert.Empty(await wrongCode.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Roles_statuses_and_outcomes_are_written_by_name()
    {
        var started = await LoopbackApi.ReadJsonAsync(await _api.Http.PostAsync("plans", LoopbackApi.PlanRequest(Trace.Task)));
        var id = started.GetProperty("id").GetString()!;
        var running = await LoopbackApi.ReadJsonAsync(await _api.Http.GetAsync($"plans/{id}"));
        await _api.Host.WaitAsync(id);
        var done = await LoopbackApi.ReadJsonAsync(await _api.Http.GetAsync($"plans/{id}"));

        Assert.Contains(running.GetProperty("status").GetString(), new[] { "Pending", "Running" });
        Assert.Equal("Completed", done.GetProperty("status").GetString());
        Assert.Equal("Completed", done.GetProperty("result").GetProperty("outcome").GetString());
        var roles = done.GetProperty("result").GetProperty("calls").EnumerateArray().Select(c => c.GetProperty("call").GetProperty("role")).ToList();
        Assert.All(roles, role => Assert.Equal(JsonValueKind.String, role.ValueKind));
        Assert.Equal(["Draft", "Target"], roles.Select(r => r.GetString()).Distinct().Order());
    }
}
