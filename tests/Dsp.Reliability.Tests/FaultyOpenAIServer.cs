using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

using Dsp.Agents.Tests;

namespace Dsp.Reliability.Tests;

/// <summary>The transient faults the server injects.</summary>
public enum FaultKind
{
    /// <summary>429 with <c>Retry-After</c>.</summary>
    RateLimited,

    /// <summary>500 with an error body.</summary>
    ServerError,

    /// <summary>The connection is closed before any answer (no status line).</summary>
    DroppedConnection,

    /// <summary>The answer starts streaming, then the connection is closed mid-answer; the agents start the
    /// attempt over.</summary>
    DroppedStream,

    /// <summary>A gateway's garbage: 502 with an HTML body that is not the API's JSON.</summary>
    Garbage,

    /// <summary>The request is accepted and never answered: the agents' attempt timeout gives up on it.</summary>
    Timeout,

    /// <summary>200 with a stream whose events are not JSON. Not in the default mix: the agents do not retry a
    /// malformed answer.</summary>
    GarbageStream,
}

/// <summary>The server's behaviour: latency of every answer and the failure mix.</summary>
internal sealed record FaultOptions
{
    /// <summary>Decides, with the request's content, which calls fail, how often and how.</summary>
    public int Seed { get; init; } = 7;

    /// <summary>The share of calls (distinct requests) whose first attempt(s) fail.</summary>
    public double FailureShare { get; init; } = 0.2;

    /// <summary>The share of failing calls whose second attempt fails too.</summary>
    public double TwiceShare { get; init; } = 0.25;

    /// <summary>The kinds injected, chosen per attempt from the seed.</summary>
    public IReadOnlyList<FaultKind> Kinds { get; init; } =
        [FaultKind.RateLimited, FaultKind.ServerError, FaultKind.DroppedConnection, FaultKind.DroppedStream, FaultKind.Garbage, FaultKind.Timeout];

    /// <summary>The Retry-After of a 429, in seconds.</summary>
    public int RetryAfterSeconds { get; init; }

    /// <summary>Time to the first chunk, per deployment (default when absent).</summary>
    public IReadOnlyDictionary<string, TimeSpan> FirstChunkDelay { get; init; } = new Dictionary<string, TimeSpan>();

    public TimeSpan DefaultFirstChunkDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Time between two streamed words.</summary>
    public TimeSpan ChunkDelay { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Deployments that refuse every request with 401, quoting back the api-key they were sent (as a careless
    /// gateway does).</summary>
    public IReadOnlySet<string> RefusedDeployments { get; init; } = new HashSet<string>();
}

/// <summary>
/// An Azure OpenAI chat completions server on 127.0.0.1 (the v1 and the dated deployments routes, refusing what the
/// service refuses: <see cref="ServiceRules"/>) that streams the answer
/// the answer function gives, after a settable latency, and injects transient faults into a share of calls:
/// a call is identified by its deployment and messages, so a retry of it is recognised; whether it fails, how many
/// attempts fail and with what is a pure function of the seed and the call, whatever order calls arrive in.
/// </summary>
internal sealed partial class FaultyOpenAIServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FaultOptions _options;
    private readonly Func<FaultRequest, string> _answer;
    private static readonly ServiceRules Rules = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private readonly ConcurrentDictionary<FaultKind, int> _faults = new();
    private readonly InFlightCounter _inFlight = new();
    private int _requests;
    private int _retries;
    private int _aborted;

    private FaultyOpenAIServer(WebApplication app, FaultOptions options, Func<FaultRequest, string> answer)
    {
        _app = app;
        _options = options;
        _answer = answer;
    }

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Requests received, retries included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Distinct calls (deployment and messages).</summary>
    public int Calls => _attempts.Count;

    /// <summary>Requests that repeat a call already seen.</summary>
    public int Retries => Volatile.Read(ref _retries);

    /// <summary>Streams the client closed before the answer was complete (cancelled branches).</summary>
    public int Aborted => Volatile.Read(ref _aborted);

    /// <summary>The most requests the server was answering at once.</summary>
    public int PeakInFlight => _inFlight.Peak;

    /// <summary>Faults injected, by kind.</summary>
    public IReadOnlyDictionary<FaultKind, int> Faults => _faults.ToDictionary();

    public int FaultsInjected => _faults.Values.Sum();

    /// <summary>Calls whose first attempt was made to fail.</summary>
    public int FailingCalls => _attempts.Keys.Count(k => FailuresOf(k) > 0);

    /// <summary>Forgets the calls seen and the counts, so a long run's bookkeeping does not grow (a call seen before
    /// counts as new afterwards).</summary>
    public void Forget()
    {
        _attempts.Clear();
        _faults.Clear();
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _retries, 0);
        Interlocked.Exchange(ref _aborted, 0);
    }

    public static async Task<FaultyOpenAIServer> StartAsync(FaultOptions options, Func<FaultRequest, string> answer)
    {
        var app = LoopbackApp.Create();
        var server = new FaultyOpenAIServer(app, options, answer);
        app.MapPost("/openai/v1/chat/completions", (HttpContext context) => server.HandleAsync(context, ChatRoute.AzureV1, null));
        app.MapPost("/openai/deployments/{deployment}/chat/completions", (HttpContext context, string deployment) => server.HandleAsync(context, ChatRoute.AzureDeployments, deployment));
        server.Endpoint = await LoopbackApp.StartAsync(app);
        return server;
    }

    /// <summary>How many attempts of the call fail (0 for most).</summary>
    private int FailuresOf(string identity)
    {
        var h = Hash(identity);
        if ((h % 1_000_000) / 1_000_000.0 >= _options.FailureShare)
        {
            return 0;
        }

        return ((h >> 20) % 1_000) / 1_000.0 < _options.TwiceShare ? 2 : 1;
    }

    private FaultKind KindOf(string identity, int attempt) =>
        _options.Kinds[(int)(((Hash(identity) >> 32) + (ulong)attempt) % (ulong)_options.Kinds.Count)];

    private ulong Hash(string identity) =>
        BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(_options.Seed.ToString(CultureInfo.InvariantCulture) + "\n" + identity)));

    private async Task HandleAsync(HttpContext context, ChatRoute route, string? routeDeployment)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        var deployment = routeDeployment ?? body["model"]!.GetValue<string>();
        if (Rules.Check(route, context.Request.Query["api-version"].FirstOrDefault(), deployment, body) is Reply.Status refusal)
        {
            // A request the service itself would refuse is a bug of the agents, not a fault to inject.
            context.Response.StatusCode = refusal.Code;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(refusal.Body);
            return;
        }

        var request = new FaultRequest(deployment, body);
        Interlocked.Increment(ref _requests);
        var identity = deployment + "\n" + body["messages"]!.ToJsonString();
        var attempt = _attempts.AddOrUpdate(identity, 1, (_, n) => n + 1) - 1;
        if (attempt > 0)
        {
            Interlocked.Increment(ref _retries);
        }

        var aborted = context.RequestAborted;
        _inFlight.Enter();
        try
        {
            if (_options.RefusedDeployments.Contains(deployment))
            {
                context.Response.StatusCode = 401;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(Error("invalid_api_key", $"Incorrect API key provided: {context.Request.Headers["api-key"]}."), aborted);
                return;
            }

            if (attempt < FailuresOf(identity))
            {
                var kind = KindOf(identity, attempt);
                _faults.AddOrUpdate(kind, 1, (_, n) => n + 1);
                await FailAsync(context, kind, aborted);
                return;
            }

            var delay = _options.FirstChunkDelay.TryGetValue(deployment, out var d) ? d : _options.DefaultFirstChunkDelay;
            await Task.Delay(delay, aborted);
            context.Response.ContentType = "text/event-stream";
            await ChatStreamEvents.WriteAsync(context, ChatStreamEvents.Chunk(new JsonObject { ["role"] = "assistant", ["content"] = string.Empty }, null), aborted);
            foreach (var chunk in ChatStreamEvents.Words(_answer(request)))
            {
                await Task.Delay(_options.ChunkDelay, aborted);
                await ChatStreamEvents.WriteAsync(context, ChatStreamEvents.Chunk(new JsonObject { ["content"] = chunk }, null), aborted);
            }

            await ChatStreamEvents.WriteAsync(context, ChatStreamEvents.Chunk(new JsonObject(), "stop"), aborted);
            await ChatStreamEvents.WriteDoneAsync(context, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            Interlocked.Increment(ref _aborted);
        }
        finally
        {
            _inFlight.Exit();
        }
    }

    private async Task FailAsync(HttpContext context, FaultKind kind, CancellationToken aborted)
    {
        switch (kind)
        {
            case FaultKind.RateLimited:
                context.Response.StatusCode = 429;
                context.Response.Headers.RetryAfter = _options.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(Error("429", "Rate limit is exceeded. Try again later."), aborted);
                break;
            case FaultKind.ServerError:
                context.Response.StatusCode = 500;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(Error("server_error", "The server had an error while processing your request."), aborted);
                break;
            case FaultKind.Garbage:
                context.Response.StatusCode = 502;
                context.Response.ContentType = "text/html";
                await context.Response.WriteAsync("<html><body>\u0001\u0002 502 Bad Gateway {\"choices\": [ garbage</body>", aborted);
                break;
            case FaultKind.GarbageStream:
                context.Response.ContentType = "text/event-stream";
                await context.Response.WriteAsync("data: {\"choices\": [ \u0001 not json\n\ndata: [DONE]\n\n", aborted);
                break;
            case FaultKind.DroppedConnection:
                context.Abort();
                break;
            case FaultKind.Timeout:
                // Until the client gives up (the delay ends with the request, by cancellation).
                await Task.Delay(Timeout.InfiniteTimeSpan, aborted);
                break;
            case FaultKind.DroppedStream:
                // Headers and the first chunk go out, then the connection is closed without the rest.
                context.Response.ContentType = "text/event-stream";
                await ChatStreamEvents.WriteAsync(context, ChatStreamEvents.Chunk(new JsonObject { ["role"] = "assistant", ["content"] = string.Empty }, null), aborted);
                await ChatStreamEvents.WriteAsync(context, ChatStreamEvents.Chunk(new JsonObject { ["content"] = "Image" }, null), aborted);
                context.Abort();
                break;
        }
    }

    private static string Error(string code, string message) =>
        new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } }.ToJsonString();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

}

/// <summary>A request the server received.</summary>
internal sealed partial record FaultRequest(string Deployment, JsonObject Body)
{
    private IEnumerable<string> UserTexts => Body["messages"]!.AsArray()
        .Where(m => m!["role"]!.GetValue<string>() == "user")
        .Select(m => m!["content"] switch
        {
            JsonValue v => v.GetValue<string>(),
            JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>())),
            _ => string.Empty,
        });

    /// <summary>The 0-based position asked for ("What is step N?").</summary>
    public int Position => int.Parse(StepPattern().Match(UserTexts.First()).Groups[1].Value, CultureInfo.InvariantCulture) - 1;

    /// <summary>The plan's number, from its task ("Task N: ...").</summary>
    public int Plan => int.Parse(TaskPattern().Match(string.Join('\n', UserTexts)).Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"What is step (\d+)\?")]
    private static partial Regex StepPattern();

    [GeneratedRegex(@"Task (\d+):")]
    private static partial Regex TaskPattern();
}
