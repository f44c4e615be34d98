using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Dsp.Agents.Tests;

/// <summary>
/// An Azure OpenAI / OpenAI-compatible chat completions server on 127.0.0.1 — Azure's v1 route
/// <c>/openai/v1/chat/completions</c>, its dated route <c>/openai/deployments/{d}/chat/completions?api-version=…</c> and a
/// plain <c>/chat/completions</c> — that refuses what the service refuses (<see cref="ServiceRules"/>), streams scripted
/// answers as server-sent events, and records every request and every aborted stream.
/// </summary>
internal sealed partial class FakeOpenAIServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServiceRules _rules;
    private readonly ConcurrentQueue<ChatRequest> _requests = new();
    private int _aborted;

    private FakeOpenAIServer(WebApplication app, Func<ChatRequest, Reply> script, ServiceRules rules)
    {
        _app = app;
        Script = script;
        _rules = rules;
    }

    public Uri Endpoint { get; private set; } = null!;

    public Func<ChatRequest, Reply> Script { get; set; }

    public IReadOnlyList<ChatRequest> Requests => _requests.ToList();

    /// <summary>Streams the client closed before the answer was complete.</summary>
    public int Aborted => Volatile.Read(ref _aborted);

    /// <summary>Starts a server that answers with <paramref name="script"/>, under <paramref name="rules"/> (default: every
    /// deployment a classic chat model).</summary>
    public static async Task<FakeOpenAIServer> StartAsync(Func<ChatRequest, Reply> script, ServiceRules? rules = null, LoopbackApp.Tls? tls = null)
    {
        var app = LoopbackApp.Create(tls);
        var server = new FakeOpenAIServer(app, script, rules ?? new ServiceRules());
        app.MapPost("/openai/v1/chat/completions", (HttpContext context) => server.HandleAsync(context, ChatRoute.AzureV1, null));
        app.MapPost("/openai/deployments/{deployment}/chat/completions", (HttpContext context, string deployment) => server.HandleAsync(context, ChatRoute.AzureDeployments, deployment));
        app.MapPost("/chat/completions", (HttpContext context) => server.HandleAsync(context, ChatRoute.OpenAI, null));
        server.Endpoint = await LoopbackApp.StartAsync(app);
        return server;
    }

    /// <summary>Waits until at least <paramref name="count"/> streams were aborted (or the timeout passes).</summary>
    public async Task<int> WaitForAbortsAsync(int count, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (Aborted < count && DateTime.UtcNow < until)
        {
            await Task.Delay(10);
        }

        return Aborted;
    }

    private async Task HandleAsync(HttpContext context, ChatRoute route, string? routeDeployment)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        var apiVersion = context.Request.Query.TryGetValue("api-version", out var version) ? version.ToString() : null;
        var deployment = routeDeployment ?? (route == ChatRoute.AzureV1 ? body["model"]?.GetValue<string>() : null);
        var request = new ChatRequest(
            context.Request.Path, deployment, body, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase))
        {
            ApiVersion = apiVersion,
        };
        _requests.Enqueue(request);
        var refusal = _rules.Check(route, apiVersion, deployment ?? body["model"]?.GetValue<string>(), body);
        request.Refused = refusal is not null;
        var reply = refusal ?? Script(request);
        var aborted = context.RequestAborted;
        try
        {
            switch (reply)
            {
                case Reply.Status status:
                    context.Response.StatusCode = status.Code;
                    foreach (var (name, value) in status.Headers ?? [])
                    {
                        context.Response.Headers[name] = value;
                    }

                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync(status.Body, aborted);
                    return;
                case Reply.Raw raw:
                    context.Response.ContentType = "text/event-stream";
                    await context.Response.WriteAsync(raw.Events, aborted);
                    return;
                case Reply.Stream stream:
                    await StreamAsync(context, request, stream, aborted);
                    return;
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            request.Aborted = true;
            Interlocked.Increment(ref _aborted);
        }
    }

    private static async Task StreamAsync(HttpContext context, ChatRequest request, Reply.Stream stream, CancellationToken aborted)
    {
        await stream.HoldUntil.WaitAsync(aborted);
        await Task.Delay(stream.FirstChunkDelay, aborted);
        context.Response.ContentType = "text/event-stream";
        var chunks = ChatStreamEvents.Words(stream.Text);
        await ChatStreamEvents.WriteAsync(context, ChatStreamEvents.Chunk(new JsonObject { ["role"] = "assistant", ["content"] = string.Empty }, null), aborted);
        foreach (var chunk in chunks)
        {
            await Task.Delay(stream.ChunkDelay, aborted);
            await ChatStreamEvents.WriteAsync(context, ChatStreamEvents.Chunk(new JsonObject { ["content"] = chunk }, null), aborted);
        }

        await ChatStreamEvents.WriteAsync(context, ChatStreamEvents.Chunk(new JsonObject(), stream.FinishReason), aborted);
        if (request.IncludeUsage)
        {
            await ChatStreamEvents.WriteAsync(context, new JsonObject
            {
                ["id"] = "chatcmpl-test",
                ["object"] = "chat.completion.chunk",
                ["created"] = 1_700_000_000,
                ["model"] = "fake",
                ["choices"] = new JsonArray(),
                ["usage"] = new JsonObject
                {
                    ["prompt_tokens"] = stream.PromptTokens,
                    ["completion_tokens"] = TokenCounter.Count("gpt-4o", stream.Text),
                    ["total_tokens"] = stream.PromptTokens + TokenCounter.Count("gpt-4o", stream.Text),
                },
            }.ToJsonString(), aborted);
        }

        await ChatStreamEvents.WriteDoneAsync(context, aborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

}

/// <summary>A request the server received.</summary>
internal sealed record ChatRequest(string Path, string? Deployment, JsonObject Body, IReadOnlyDictionary<string, string> Headers)
{
    public bool Aborted { get; set; }

    /// <summary>Whether the server refused it as the service would (<see cref="ServiceRules"/>).</summary>
    public bool Refused { get; set; }

    /// <summary>The <c>api-version</c> query value, if any.</summary>
    public string? ApiVersion { get; init; }

    public JsonArray Messages => Body["messages"]!.AsArray();

    public IEnumerable<(string Role, string Text)> AllMessages =>
        Messages.Select(m => (m!["role"]!.GetValue<string>(), Content(m!["content"])));

    public string System => AllMessages.Single(m => m.Role == "system").Text;

    /// <summary>The last user message.</summary>
    public string User => AllMessages.Last(m => m.Role == "user").Text;

    public bool IncludeUsage => Body["stream_options"]?["include_usage"]?.GetValue<bool>() == true;

    /// <summary>The 1-based step asked for ("What is step N?").</summary>
    public int AskedStep => int.Parse(Regex.Match(AllMessages.First(m => m.Role == "user").Text, @"What is step (\d+)\?").Groups[1].Value, CultureInfo.InvariantCulture);

    private static string Content(JsonNode? content) => content switch
    {
        JsonValue v => v.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>())),
        _ => string.Empty,
    };

    public override string ToString() => Body.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}

/// <summary>What the server answers.</summary>
internal abstract record Reply
{
    /// <summary>A streamed answer, one word a chunk, then the finish reason and (when asked) the usage chunk.</summary>
    public sealed record Stream(string Text, int PromptTokens = 1234, string FinishReason = "stop") : Reply
    {
        public TimeSpan ChunkDelay { get; init; } = TimeSpan.Zero;

        public TimeSpan FirstChunkDelay { get; init; } = TimeSpan.Zero;

        /// <summary>The answer starts once this completes: orders it after an event of the client's.</summary>
        public Task HoldUntil { get; init; } = Task.CompletedTask;
    }

    /// <summary>An HTTP error.</summary>
    public sealed record Status(int Code, string Body, Dictionary<string, string>? Headers = null) : Reply;

    /// <summary>Raw server-sent events.</summary>
    public sealed record Raw(string Events) : Reply;

    public static Reply Say(string text) => new Stream(text);

    public static Reply Error(int code, string message, string codeName = "error", Dictionary<string, string>? headers = null) =>
        new Status(code, new JsonObject { ["error"] = new JsonObject { ["code"] = codeName, ["message"] = message } }.ToJsonString(), headers);
}
