using System.ClientModel;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Identity;
using Dsp.Core.Agents;
using Dsp.Core.Planning;
using Microsoft.Extensions.AI;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Dsp.Agents;

/// <summary>What one chat call produced: the streamed text (partial when cancelled) and its usage.</summary>
public sealed record ChatAnswer(string Text, CallUsage Usage);

/// <summary>
/// Makes streamed chat calls through any Microsoft.Extensions.AI <see cref="IChatClient"/> with a Polly pipeline
/// (retries with backoff that honours Retry-After, an attempt timeout); the SDK's own retries are off. Each retry is
/// counted on the <c>dsp.model.retries</c> metric and in the call's usage (or its <see cref="AgentException"/>), and
/// each call is a GenAI <c>chat</c> span (<see cref="AgentTelemetry"/>). Cancellation is cooperative: the stream is
/// closed at once and the call returns what was consumed — prompt tokens and the streamed completion counted with the
/// model's tokenizer.
/// </summary>
public sealed class ChatCaller
{
    /// <summary>A call's retries so far, counted by the pipeline as it decides each one.</summary>
    private static readonly ResiliencePropertyKey<int> RetriesKey = new("dsp.retries");

    private readonly IChatClient _client;
    private readonly ResiliencePipeline _pipeline;
    private readonly OpenAIConnectionOptions _connection;
    private readonly TimeProvider _time;

    /// <param name="client">The chat client of the role's deployment.</param>
    /// <param name="endpoint">Where the calls go.</param>
    /// <param name="connection">The retry settings (and the API key, to keep it out of errors).</param>
    /// <param name="time">The clock.</param>
    public ChatCaller(IChatClient client, ChatEndpoint endpoint, OpenAIConnectionOptions connection, TimeProvider time)
    {
        _client = client;
        Endpoint = endpoint;
        _connection = connection;
        _time = time;
        _pipeline = CreatePipeline(endpoint.Deployment, connection, time);
    }

    /// <summary>Where the calls go.</summary>
    public ChatEndpoint Endpoint { get; }

    /// <summary>The deployment (or model) called.</summary>
    public string Deployment => Endpoint.Deployment;

    /// <summary>The priced model, for counting tokens.</summary>
    public string Model => Endpoint.Model;

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
        var span = AgentTelemetry.StartChat(Endpoint, settings);
        var text = new StringBuilder();
        UsageDetails? reported = null;
        ChatFinishReason? finish = null;
        string? responseModel = null;
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
                    await foreach (var update in _client.GetStreamingResponseAsync(chat, settings.ToOptions(), token).WithCancellation(token))
                    {
                        text.Append(update.Text);
                        foreach (var usage in update.Contents.OfType<UsageContent>())
                        {
                            reported = usage.Details;
                        }

                        finish = update.FinishReason ?? finish;
                        responseModel = update.ModelId ?? responseModel;
                    }
                },
                context);
        }
        catch (Exception) when (cancellation.IsCancellationRequested)
        {
            // Stopped by the caller: the stream is disposed; bill the prompt and what was streamed.
            var cancelled = new CallUsage(
                TokenCounter.CountPrompt(Model, messages),
                TokenCounter.Count(Model, text.ToString()),
                _time.GetElapsedTime(started).TotalSeconds,
                Cancelled: true,
                Retries: RetriesOf(context));
            AgentTelemetry.EndChat(span, Endpoint, cancelled, finishReason: null, responseModel);
            return new ChatAnswer(text.ToString(), cancelled);
        }
        catch (Exception e) when (e is not AgentException)
        {
            // A service may quote back the key it was sent (some gateways do): the message leaves it out, and the raw
            // exception, which still holds it, is not chained where a log of this one would print it.
            var inner = _connection.ApiKey is { Length: > 0 } key && e.ToString().Contains(key, StringComparison.Ordinal) ? null : e;
            var failure = new AgentException(Explain(e, attempts), inner) { Retries = RetriesOf(context) };
            AgentTelemetry.FailChat(span, Endpoint, e, _time.GetElapsedTime(started).TotalSeconds, failure.Retries, failure.Message);
            throw failure;
        }

        var latency = _time.GetElapsedTime(started).TotalSeconds;
        var answer = text.ToString();
        var usage = reported is { InputTokenCount: { } input, OutputTokenCount: { } output }
            ? new CallUsage((int)input, (int)output, latency, Retries: RetriesOf(context))
            : new CallUsage(TokenCounter.CountPrompt(Model, messages), TokenCounter.Count(Model, answer), latency, Retries: RetriesOf(context));
        AgentTelemetry.EndChat(span, Endpoint, usage, finish?.Value, responseModel);
        if (finish == ChatFinishReason.ContentFilter)
        {
            throw new AgentException($"The content filter of '{Deployment}' stopped the answer.") { Retries = usage.Retries };
        }

        if (finish == ChatFinishReason.Length && answer.Trim().Length == 0)
        {
            throw new AgentException(
                $"'{Deployment}' reached its token cap ({Endpoint.SettingsPath}:MaxOutputTokens) before answering: a reasoning model's hidden reasoning counts toward the cap; raise it or lower the ReasoningEffort.")
            { Retries = usage.Retries };
        }

        return new ChatAnswer(answer, usage);
    }

    private static int RetriesOf(ResilienceContext context) => context.Properties.GetValue(RetriesKey, 0);

    private static ChatMessage ToChatMessage(PromptMessage message) => new(
        message.Role switch
        {
            "system" => ChatRole.System,
            "assistant" => ChatRole.Assistant,
            _ => ChatRole.User,
        },
        message.Text);

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
                    .Handle<ClientResultException>(e => IsTransient(e.Status))
                    .Handle<HttpRequestException>(e => e.StatusCode is null || IsTransient((int)e.StatusCode))
                    .Handle<TimeoutRejectedException>()
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

    private static bool IsTransient(int status) =>
        status is 0 or (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or >= 500;

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
        var where = Endpoint.Address is { } address ? $"'{Deployment}' at {address}" : $"'{Deployment}'";
        var tries = attempts == 1 ? "1 attempt" : $"{attempts} attempts";
        var status = e switch
        {
            ClientResultException c => c.Status,
            HttpRequestException { StatusCode: { } code } => (int)code,
            _ => -1,
        };
        return e switch
        {
            _ when status is 401 or 403 =>
                $"Authentication to {where} failed ({status}): {Brief(e.Message)} Check Dsp:OpenAI:ApiKey, or that the identity has the 'Cognitive Services OpenAI User' role.",
            _ when e.Message.Contains("content_filter", StringComparison.OrdinalIgnoreCase)
                || e.Message.Contains("content management policy", StringComparison.OrdinalIgnoreCase) =>
                $"The content filter of {where} rejected the prompt: {Brief(e.Message)}",
            _ when status == 0 || (status < 0 && e is HttpRequestException) => $"Could not reach {where} after {tries}: {Brief(e.Message)}",
            _ when status > 0 && IsTransient(status) => $"{where} answered {status} after {tries}: {Brief(e.Message)}",
            _ when status > 0 => $"{where} rejected the call ({status}): {Brief(e.Message)}{Hint(e.Message)}",
            TimeoutRejectedException =>
                $"The call to {where} timed out: no complete answer within {_connection.AttemptTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s, {tries}.",
            AuthenticationFailedException or CredentialUnavailableException => $"Could not get a token for {where}: {Brief(e.Message)}",
            JsonException or FormatException or KeyNotFoundException or InvalidOperationException =>
                $"{where} streamed a malformed answer: {Brief(e.Message)}",
            IOException => $"The answer from {where} broke off after {tries}: {Brief(e.Message)}",
            _ => $"The call to {where} failed: {Brief(e.Message)}",
        };
    }

    /// <summary>What to change when the service refuses a request for the settings it was sent.</summary>
    private string Hint(string message)
    {
        var path = Endpoint.SettingsPath;
        var unsupported = message.Contains("not supported", StringComparison.Ordinal) || message.Contains("does not support", StringComparison.Ordinal);
        if (unsupported && message.Contains("'temperature'", StringComparison.Ordinal))
        {
            return $" A reasoning deployment takes no temperature: remove {path}:Temperature (set {path}:ReasoningEffort instead).";
        }

        if (unsupported && message.Contains("'reasoning_effort'", StringComparison.Ordinal))
        {
            return $" Check {path}:ReasoningEffort against the values the model supports; a classic chat model takes none.";
        }

        if (message.Contains("api version", StringComparison.OrdinalIgnoreCase))
        {
            return $" Set Dsp:OpenAI:ApiVersion to '{AzureApiVersions.V1}' (the default), which every current model accepts.";
        }

        return string.Empty;
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
