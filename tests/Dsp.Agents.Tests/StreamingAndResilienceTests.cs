using System.Diagnostics;
using Dsp.Core.Agents;

namespace Dsp.Agents.Tests;

public class StreamingAndResilienceTests
{
    private static readonly string LongAnswer = string.Join(' ', Enumerable.Range(0, 200).Select(i => $"word{i}")) + "\nStep: Image Deblurring";

    [Fact]
    public async Task Cancelling_mid_answer_closes_the_stream_and_bills_only_what_was_streamed()
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => new Reply.Stream(LongAnswer) { ChunkDelay = TimeSpan.FromMilliseconds(10) });
        var profile = Live.Profile(Live.Connection(server), targetStrategy: Strategies.ChainOfThought);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));

        var clock = Stopwatch.StartNew();
        var result = await profile.Target.ProposeAsync(Live.Request(0), cancel.Token);
        var returnedAfterCancel = clock.Elapsed - TimeSpan.FromMilliseconds(400);

        Assert.Null(result.Step);
        Assert.True(result.Usage.Cancelled);
        Assert.True(returnedAfterCancel < TimeSpan.FromSeconds(1), $"returned {returnedAfterCancel.TotalMilliseconds} ms after the cancellation");
        var full = TokenCounter.Count("gpt-4.1", LongAnswer);
        Assert.InRange(result.Usage.CompletionTokens, 1, full / 2);
        // Prompt tokens counted with the tokenizer (the service never reported usage).
        Assert.InRange(result.Usage.PromptTokens, 50, 1000);
        Assert.Equal(1, await server.WaitForAbortsAsync(1, TimeSpan.FromSeconds(5)));
        Assert.True(Assert.Single(server.Requests).Aborted);
    }

    [Fact]
    public async Task A_call_cancelled_before_it_starts_makes_no_request()
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Say("Image Deblurring"));
        var profile = Live.Profile(Live.Connection(server));

        var result = await profile.Target.ProposeAsync(Live.Request(0), new CancellationToken(canceled: true));

        Assert.Null(result.Step);
        Assert.True(result.Usage.Cancelled);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Cancelling_the_second_call_of_a_react_step_sums_both_calls()
    {
        // Cancel once the second (action) call is streaming, however long the first took on a busy machine.
        using var cancel = new CancellationTokenSource();
        await using var server = await FakeOpenAIServer.StartAsync(request =>
        {
            if (request.AllMessages.Any(m => m.Role == "assistant"))
            {
                cancel.CancelAfter(TimeSpan.FromMilliseconds(200));
                return new Reply.Stream(LongAnswer) { ChunkDelay = TimeSpan.FromMilliseconds(10) };
            }

            return Reply.Say("Deblur first.");
        });
        var profile = Live.Profile(Live.Connection(server), targetStrategy: Strategies.React);

        var result = await profile.Target.ProposeAsync(Live.Request(0), cancel.Token);

        Assert.Null(result.Step);
        Assert.True(result.Usage.Cancelled);
        Assert.True(result.Usage.PromptTokens > 1234, "the first call's reported prompt plus the second's counted one");
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(1, await server.WaitForAbortsAsync(1, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_429_with_retry_after_is_retried_after_the_services_delay()
    {
        var calls = 0;
        await using var server = await FakeOpenAIServer.StartAsync(_ => Interlocked.Increment(ref calls) == 1
            ? Reply.Error(429, "Rate limit is exceeded.", "429", new() { ["Retry-After"] = "1" })
            : Reply.Say("Image Deblurring"));
        var profile = Live.Profile(Live.Connection(server));

        var clock = Stopwatch.StartNew();
        var result = await profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None);

        Assert.Equal("Image Deblurring", result.Step);
        Assert.Equal(2, server.Requests.Count);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.95), $"retried after {clock.Elapsed.TotalMilliseconds} ms, not the 1 s the service asked");
    }

    [Fact]
    public async Task Retry_after_ms_takes_precedence()
    {
        var calls = 0;
        await using var server = await FakeOpenAIServer.StartAsync(_ => Interlocked.Increment(ref calls) == 1
            ? Reply.Error(503, "Busy.", "503", new() { ["retry-after-ms"] = "300", ["Retry-After"] = "10" })
            : Reply.Say("Image Deblurring"));
        var profile = Live.Profile(Live.Connection(server));

        var clock = Stopwatch.StartNew();
        var result = await profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None);

        Assert.Equal("Image Deblurring", result.Step);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(280), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Server_errors_until_the_retry_budget_is_spent_fail_with_the_cause()
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Error(500, "The server had an error while processing your request."));
        var profile = Live.Profile(Live.Connection(server));

        var e = await Assert.ThrowsAsync<AgentException>(() => profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None));

        Assert.Equal(3, server.Requests.Count);
        Assert.Contains("answered 500 after 3 attempts", e.Message, StringComparison.Ordinal);
        Assert.Contains("'target'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_answer_hits_the_attempt_timeout()
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => new Reply.Stream("Image Deblurring") { FirstChunkDelay = TimeSpan.FromSeconds(5) });
        var connection = Live.Connection(server);
        connection.AttemptTimeout = TimeSpan.FromMilliseconds(200);
        connection.MaxAttempts = 2;
        var profile = Live.Profile(connection);

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<AgentException>(() => profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None));

        Assert.Contains("timed out", e.Message, StringComparison.Ordinal);
        Assert.Contains("2 attempts", e.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}");
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(2, await server.WaitForAbortsAsync(2, TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    public async Task Authentication_errors_fail_fast(int status)
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Error(status, "Access denied due to invalid subscription key."));
        var profile = Live.Profile(Live.Connection(server));

        var e = await Assert.ThrowsAsync<AgentException>(() => profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None));

        Assert.Single(server.Requests);
        Assert.Contains($"Authentication to 'target' at {server.Endpoint}openai/v1/ failed ({status})", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_error_that_quotes_the_api_key_back_is_reported_without_it()
    {
        // Some gateways echo the key they were sent; the message is logged and returned with the plan.
        await using var server = await FakeOpenAIServer.StartAsync(request => Reply.Error(401, $"Incorrect API key provided: {request.Headers["api-key"]}."));
        var connection = Live.Connection(server);
        var profile = Live.Profile(connection);

        var e = await Assert.ThrowsAsync<AgentException>(() => profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None));

        Assert.Contains("Incorrect API key provided: [redacted].", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(connection.ApiKey!, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_content_filtered_prompt_fails_fast()
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Error(400,
            "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.", "content_filter"));
        var profile = Live.Profile(Live.Connection(server));

        var e = await Assert.ThrowsAsync<AgentException>(() => profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None));

        Assert.Single(server.Requests);
        Assert.Contains("content filter", e.Message, StringComparison.Ordinal);
    }
}
