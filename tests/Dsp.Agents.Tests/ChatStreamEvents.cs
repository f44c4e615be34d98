using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Dsp.Agents.Tests;

/// <summary>Server-sent events of a streamed chat completion, as the fake OpenAI-compatible servers write them.</summary>
internal static partial class ChatStreamEvents
{
    /// <summary>Writes one <c>data:</c> event and flushes it.</summary>
    public static async Task WriteAsync(HttpContext context, string json, CancellationToken aborted)
    {
        await context.Response.WriteAsync("data: " + json + "\n\n", aborted);
        await context.Response.Body.FlushAsync(aborted);
    }

    /// <summary>Ends the stream.</summary>
    public static Task WriteDoneAsync(HttpContext context, CancellationToken aborted) => WriteAsync(context, "[DONE]", aborted);

    /// <summary>A <c>chat.completion.chunk</c> carrying <paramref name="delta"/>.</summary>
    public static string Chunk(JsonObject delta, string? finishReason) => new JsonObject
    {
        ["id"] = "chatcmpl-test",
        ["object"] = "chat.completion.chunk",
        ["created"] = 1_700_000_000,
        ["model"] = "fake",
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["delta"] = delta,
            ["finish_reason"] = finishReason,
        }),
    }.ToJsonString();

    /// <summary>The streamed pieces of an answer: one word (with its leading space) each.</summary>
    public static List<string> Words(string text) => WordPattern().Matches(text).Select(m => m.Value).ToList();

    [GeneratedRegex(@"\s*\S+")]
    private static partial Regex WordPattern();
}
