using System.Text;
using System.Text.Json;

namespace Dsp.Functions.Tests;

/// <summary>The app's planner and its HTTP functions on loopback, and a client that sends the function key.</summary>
internal sealed class LoopbackApi(PlanHost host, FunctionsLoopbackServer server) : IAsyncDisposable
{
    public PlanHost Host => host;

    public FunctionsLoopbackServer Server => server;

    /// <summary>Sends to the API's routes (<c>plans</c>, <c>policy</c>, ...) with the function key.</summary>
    public HttpClient Http { get; } = new HttpClient(server.CreateHandler()) { BaseAddress = server.ApiAddress }.WithFunctionKey();

    /// <summary>Sends to the API's routes without a key.</summary>
    public HttpClient Anonymous { get; } = new(server.CreateHandler()) { BaseAddress = server.ApiAddress };

    /// <param name="latencyScale">Recorded seconds to real seconds for the replay agents.</param>
    /// <param name="overrides">Services put in place of the app's (see <see cref="FunctionsLoopbackServer.StartAsync"/>).</param>
    public static async Task<LoopbackApi> StartAsync(double latencyScale = 0.002, params object[] overrides)
    {
        var host = await PlanHost.StartAsync(latencyScale);
        return new LoopbackApi(host, await FunctionsLoopbackServer.StartAsync(host.Planner, overrides));
    }

    /// <summary>A JSON request body.</summary>
    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>A plan request for <paramref name="task"/>, with more fields in <paramref name="extra"/> (", ...").</summary>
    public static StringContent PlanRequest(string task, string extra = "") => Json($$"""{"task": {{JsonSerializer.Serialize(task)}}{{extra}}}""");

    /// <summary>The answer's body as JSON.</summary>
    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    /// <summary>The answer's Retry-After in whole seconds; throws when it has none.</summary>
    public static int RetryAfterSeconds(HttpResponseMessage response) =>
        (int)(response.Headers.RetryAfter?.Delta ?? throw new InvalidOperationException($"{response.StatusCode} without Retry-After")).TotalSeconds;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Anonymous.Dispose();
        await server.DisposeAsync();
        await host.DisposeAsync();
    }
}

internal static class FunctionKeyHeaders
{
    public static HttpClient WithFunctionKey(this HttpClient http)
    {
        http.DefaultRequestHeaders.Add(FunctionsLoopbackServer.KeyHeader, FunctionsLoopbackServer.FunctionKey);
        return http;
    }
}
