using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Dsp.Reliability.Tests;

/// <summary>The server's faults are a function of the seed and the call, not of arrival order.</summary>
public class FaultDeterminismTests
{
    [Fact]
    public async Task The_same_seed_fails_the_same_calls_the_same_way_in_any_order_and_retries_succeed()
    {
        var calls = Enumerable.Range(0, 100).ToArray();
        var first = await ObserveAsync(7, calls);
        var reversed = await ObserveAsync(7, [.. calls.Reverse()]);
        var otherSeed = await ObserveAsync(8, calls);

        Assert.Equal(first, reversed);
        Assert.NotEqual(first, otherSeed);
        // About a fifth of the calls fail, and every call has succeeded by its third attempt.
        Assert.InRange(first.Values.Count(v => v[0] != "200"), 10, 30);
        Assert.All(first.Values, v => Assert.Equal("200", v[^1]));
    }

    /// <summary>Each call made until it succeeds (at most 3 attempts): what each attempt got.</summary>
    private static async Task<Dictionary<int, List<string>>> ObserveAsync(int seed, int[] order)
    {
        await using var server = await FaultyOpenAIServer.StartAsync(new FaultOptions { Seed = seed, DefaultFirstChunkDelay = TimeSpan.Zero, ChunkDelay = TimeSpan.Zero }, Harness.Answer);
        using var client = new HttpClient { BaseAddress = server.Endpoint, Timeout = TimeSpan.FromSeconds(1) };
        var seen = new Dictionary<int, List<string>>();
        foreach (var plan in order)
        {
            var attempts = seen[plan] = [];
            while (attempts.Count < 3 && (attempts.Count == 0 || attempts[^1] != "200"))
            {
                var body = new JsonObject
                {
                    ["model"] = "target",
                    ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = $"{Harness.Task(plan)}\nWhat is step 1?" }),
                };
                try
                {
                    using var response = await client.PostAsJsonAsync("openai/v1/chat/completions", body);
                    var text = await response.Content.ReadAsStringAsync();
                    attempts.Add(response.IsSuccessStatusCode && !text.Contains("[DONE]", StringComparison.Ordinal) ? "dropped" : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                catch (HttpRequestException)
                {
                    attempts.Add("reset");
                }
                catch (TaskCanceledException)
                {
                    attempts.Add("timeout");
                }
            }
        }

        return seen;
    }
}
