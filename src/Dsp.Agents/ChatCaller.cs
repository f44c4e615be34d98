using System.ClientModel;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Identity;
using Dsp.Core.Agents;
using Dsp.Core.Planning;
using OpenAI.Chat;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Dsp.Agents;

/// <summary>What one chat call produced: the streamed text (partial when cancelled) and its usage.</summary>
public sealed record ChatAnswer(string Text, CallUsage Usage);

/// <summary>Sampling settings of a call.</summary>
public sealed record ChatSettings(float? Temperature, long? Seed, int? MaxOutputTokens);

/// <summary>
/// Makes streamed chat calls to one deployment through a Polly pipeline (retries with backoff that honours
/// Retry-After, an attempt timeout); the SDK's own retries are off. Each retry is counted on the
/// <c>dsp.model.retries</c> metric and in the call's usage (or its <see cref="AgentException"/>). Cancellation is
/// cooperative: the stream is closed at once and the call returns what was consumed — prompt tokens and the
/// streamed completion counted with the model's tokenizer.
/// </summary>
public sealed class ChatCaller
{
    /// <summary>A call's retries so far, counted by the pipeline as it decides each one.</summary>
    private static readonly ResiliencePropertyKey<int> RetriesKey = new("dsp.retries");

    private readonly ChatClient _client;
    private readonly ResiliencePipeline _pipeline;
    private readonly OpenAIConnectionOptions _connection;
    private readonly TimeProvider _time;

    public ChatCaller(ChatClient client, string deployment, string model, OpenAIConnectionOptions connection, TimeProvider time)
    {
        _client = client;
        Deployment = deployment;
        Model = model;
        _connection = connection;
        _time = time;
        _pipeline = CreatePipeline(deployment, connection, time);
    }

    /// <summary>The deployment (or model) called.</summary>
    public string Deployment { get; }

    /// <summary>The priced model, for counting tokens.</summary>
    public string Model { get; }

    /// <summary>Streams one answer.</summary>
    /// <exception cref="AgentException">The call failed for good.</exception>
    public async Task<ChatAnswer> CompleteAsync(IReadOnlyList<PromptMessage> messages, ChatSettings settings, CancellationToken cancellation)
    {
        var context = ResilienceContextPool.Shared.Get(cancellation);
        try
        {
            return await CompleteAsync(messages, settings, context);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task<ChatAnswer> CompleteAsync(IReadOnlyList<PromptMessage> messages, ChatSettings settings, ResilienceContext context)
    {
        var cancellation = context.CancellationToken;
        var started = _time.GetTimestamp();
        var text = new StringBuilder();
        ChatTokenUsage? reported = null;
        ChatFinishReason? finish = null;
        var attempts = 0;
        var chat = messages.Select(ToChatMessage).ToList();
        try
        {
            await _pipeline.ExecuteAsync(
                async attempt =>
                {
                    var token = attempt.CancellationToken;
                    attempts++;
                    text.Clear();
                    reported = null;
                    finish = null;
                    var updates = _client.CompleteChatStreamingAsync(chat, ToOptions(settings), token);
                    await foreach (var update in updates.WithCancellation(token))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            text.Append(part.Text);
                        }

                        reported = update.Usage ?? reported;
                        finish = update.FinishReason ?? finish;
                    }
                },
                context);
        }
        catch (Exception) when (cancellation.IsCancellationRequested)
        {
            // Stopped by the caller: the stream is disposed; bill the prompt and what was streamed.
            return new ChatAnswer(text.ToString(), new CallUsage(
                TokenCounter.CountPrompt(Model, messages),
                TokenCounter.Count(Model, text.ToString()),
                _time.GetElapsedTime(started).TotalSeconds,
                Cancelled: true,
                Retries: RetriesOf(context)));
        }
        catch (Exception e) when (e is not AgentException)
        {
            // A service may quote back the key it was sent (some gateways do): the message leaves it out, and the raw
            // exception, which still holds it, is not chained where a log of this one would print it.
            var inner = _connection.ApiKey is { Length: > 0 } key && e.ToString().Contains(key, StringComparison.Ordinal) ? null : e;
            throw new AgentException(Explain(e, attempts), inner) { Retries = RetriesOf(context) };
        }

        if (finish == ChatFinishReason.ContentFilter)
        {
            throw new AgentException($"The content filter of '{Deployment}' stopped the answer.") { Retries = RetriesOf(context) };
        }

        var latency = _time.GetElapsedTime(started).TotalSeconds;
        var answer = text.ToString();
        var usage = reported is not null
            ? new CallUsage(reported.InputTokenCount, reported.OutputTokenCount, latency, Retries: RetriesOf(context))
            : new CallUsage(TokenCounter.CountPrompt(Model, messages), TokenCounter.Count(Model, answer), latency, Retries: RetriesOf(context));
        return new ChatAnswer(answer, usage);
    }

    private static int RetriesOf(ResilienceContext context) => context.Properties.GetValue(RetriesKey, 0);

    private static ChatMessage ToChatMessage(PromptMessage message) => message.Role switch
    {
        "system" => new SystemChatMessage(message.Text),
        "assistant" => new AssistantChatMessage(message.Text),
        _ => new UserChatMessage(message.Text),
    };

    private static ChatCompletionOptions ToOptions(ChatSettings settings)
    {
        var options = new ChatCompletionOptions
        {
            Temperature = settings.Temperature,
            MaxOutputTokenCount = settings.MaxOutputTokens,
        };
#pragma warning disable OPENAI001 // Seed is marked experimental by the SDK; the service supports it.
        options.Seed = settings.Seed;
#pragma warning restore OPENAI001
        return options;
    }

    private static ResiliencePipeline CreatePipeline(string deployment, OpenAIConnectionOptions connection, TimeProvider time)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (connection.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = connection.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = connection.BaseDelay,
                MaxDelay = connection.MaxDelay,
                ShouldHandle = new PredicateBuilder()
                    .Handle<ClientResultException>(IsTransient)
                    .Handle<TimeoutRejectedException>()
                    .Handle<HttpRequestException>()
                    .Handle<IOException>(), // the connection dropped mid-answer: the attempt starts over
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Exception, connection.MaxDelay)),
                OnRetry = args =>
                {
                    // Counted as decided, so that a call cancelled while it waits to retry agrees with the metric.
                    args.Context.Properties.Set(RetriesKey, RetriesOf(args.Context) + 1);
                    AgentTelemetry.RecordRetry(deployment, args.Outcome.Exception);
                    return default;
                },
            });
        }

        return builder.AddTimeout(connection.AttemptTimeout).Build();
    }

    private static bool IsTransient(ClientResultException e) =>
        e.Status is 0 or (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or >= 500;

    /// <summary>The service's own wait (retry-after-ms, else Retry-After in seconds or as a date), capped.</summary>
    internal static TimeSpan? RetryAfter(Exception? exception, TimeSpan max)
    {
        if (exception is not ClientResultException { } e || e.GetRawResponse() is not { } response)
        {
            return null;
        }

        TimeSpan? wait = null;
        if (response.Headers.TryGetValue("retry-after-ms", out var ms)
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
        {
            wait = TimeSpan.FromMilliseconds(milliseconds);
        }
        else if (response.Headers.TryGetValue("Retry-After", out var after) && after is not null)
        {
            if (double.TryParse(after, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            {
                wait = TimeSpan.FromSeconds(seconds);
            }
            else if (DateTimeOffset.TryParse(after, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                var until = date - DateTimeOffset.UtcNow;
                wait = until > TimeSpan.Zero ? until : TimeSpan.Zero;
            }
        }

        return wait is { } w && w > max ? max : wait;
    }

    private string Explain(Exception e, int attempts)
    {
        var where = $"'{Deployment}' at {_connection.Endpoint}";
        var tries = attempts == 1 ? "1 attempt" : $"{attempts} attempts";
        return e switch
        {
            ClientResultException { Status: 401 or 403 } c =>
                $"Authentication to {where} failed ({c.Status}): {Brief(c.Message)} Check Dsp:OpenAI:ApiKey, or that the identity has the 'Cognitive Services OpenAI User' role.",
            ClientResultException c when c.Message.Contains("content_filter", StringComparison.OrdinalIgnoreCase)
                || c.Message.Contains("content management policy", StringComparison.OrdinalIgnoreCase) =>
                $"The content filter of {where} rejected the prompt: {Brief(c.Message)}",
            ClientResultException { Status: 0 } c => $"Could not reach {where} after {tries}: {Brief(c.Message)}",
            ClientResultException c when IsTransient(c) => $"{where} answered {c.Status} after {tries}: {Brief(c.Message)}",
            ClientResultException c => $"{where} rejected the call ({c.Status}): {Brief(c.Message)}",
            TimeoutRejectedException =>
                $"The call to {where} timed out: no complete answer within {_connection.AttemptTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s, {tries}.",
            AuthenticationFailedException or CredentialUnavailableException => $"Could not get a token for {where}: {Brief(e.Message)}",
            JsonException or FormatException or KeyNotFoundException or InvalidOperationException =>
                $"{where} streamed a malformed answer: {Brief(e.Message)}",
            HttpRequestException => $"Could not reach {where} after {tries}: {Brief(e.Message)}",
            IOException => $"The answer from {where} broke off after {tries}: {Brief(e.Message)}",
            _ => $"The call to {where} failed: {Brief(e.Message)}",
        };
    }

    /// <summary>The message on one line, shortened, without the API key.</summary>
    private string Brief(string message)
    {
        if (_connection.ApiKey is { Length: > 0 } key)
        {
            message = message.Replace(key, "[redacted]", StringComparison.Ordinal);
        }

        var oneLine = message.ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= 300 ? oneLine : oneLine[..297] + "...";
    }
}
