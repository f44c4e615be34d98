using System.ClientModel;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Dsp.Core.Planning;
using Polly.Timeout;

namespace Dsp.Agents;

/// <summary>
/// The live agents' OpenTelemetry signals: meter <c>Dsp.Agents</c> with <c>dsp.model.retries</c> and the GenAI
/// client metrics, and activity source <c>Dsp.Agents</c> with a <c>chat {deployment}</c> span per model call. The
/// GenAI names follow the OpenTelemetry semantic conventions for generative AI
/// (https://opentelemetry.io/docs/specs/semconv/gen-ai/, the <c>gen_ai.provider.name</c> generation), so dashboards
/// that read <c>gen_ai.*</c> understand them; tokens are the billed ones, tokenizer-counted for a cancelled stream.
/// Static: agents are built outside dependency injection too (the app, <c>dsp plan</c>, the tests).
/// </summary>
public static class AgentTelemetry
{
    /// <summary>The meter's name, to subscribe to (e.g. <c>AddMeter</c>).</summary>
    public const string MeterName = "Dsp.Agents";

    /// <summary>The activity source's name, to subscribe to (e.g. <c>AddSource</c>).</summary>
    public const string ActivitySourceName = "Dsp.Agents";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ActivitySource Source = new(ActivitySourceName);

    private static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "dsp.model.retries", "{retry}", "Retries of model requests after a transient failure, by deployment and reason");

    // Bucket boundaries the semantic conventions recommend for these two histograms.
    private static readonly Histogram<long> TokenUsage = Meter.CreateHistogram<long>(
        "gen_ai.client.token.usage", "{token}", "Number of input and output tokens used",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864] });

    private static readonly Histogram<double> OperationDuration = Meter.CreateHistogram<double>(
        "gen_ai.client.operation.duration", "s", "GenAI operation duration",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });

    /// <summary>Counts one retry of a request to <paramref name="deployment"/> that failed with <paramref name="failure"/>.</summary>
    internal static void RecordRetry(string deployment, Exception? failure) => Retries.Add(
        1,
        new KeyValuePair<string, object?>("dsp.deployment", deployment),
        new KeyValuePair<string, object?>("dsp.retry.reason", Reason(failure)));

    /// <summary>Starts the span of one chat call (a child of the current span, e.g. the plan's <c>dsp.call</c>).</summary>
    internal static Activity? StartChat(ChatEndpoint endpoint, ChatSettings settings)
    {
        var tags = new ActivityTagsCollection
        {
            ["gen_ai.operation.name"] = "chat",
            ["gen_ai.provider.name"] = endpoint.Provider,
            ["gen_ai.request.model"] = endpoint.Deployment,
            ["dsp.model"] = endpoint.Model,
        };
        AddServer(tags, endpoint.Address);
        if (settings.Temperature is { } temperature)
        {
            tags["gen_ai.request.temperature"] = (double)temperature;
        }

        if (settings.Seed is { } seed)
        {
            tags["gen_ai.request.seed"] = seed;
        }

        if (settings.MaxOutputTokens is { } max)
        {
            tags["gen_ai.request.max_tokens"] = max;
        }

        if (settings.ReasoningEffort is { } effort)
        {
            tags["dsp.request.reasoning_effort"] = effort;
        }

        return Source.StartActivity($"chat {endpoint.Deployment}", ActivityKind.Client, parentContext: default, tags);
    }

    /// <summary>Ends a chat span and records the GenAI metrics of a call that answered (finished, or cancelled with what it consumed).</summary>
    internal static void EndChat(Activity? span, ChatEndpoint endpoint, CallUsage usage, string? finishReason, string? responseModel)
    {
        span?.SetTag("gen_ai.usage.input_tokens", usage.PromptTokens);
        span?.SetTag("gen_ai.usage.output_tokens", usage.CompletionTokens);
        span?.SetTag("gen_ai.response.finish_reasons", finishReason is null ? null : new[] { finishReason });
        span?.SetTag("gen_ai.response.model", responseModel);
        span?.SetTag("dsp.cancelled", usage.Cancelled);
        span?.SetTag("dsp.retries", usage.Retries);
        var tags = MetricTags(endpoint, responseModel);
        OperationDuration.Record(usage.LatencySeconds, tags);
        TokenUsage.Record(usage.PromptTokens, [.. tags, new("gen_ai.token.type", "input")]);
        TokenUsage.Record(usage.CompletionTokens, [.. tags, new("gen_ai.token.type", "output")]);
        span?.Dispose();
    }

    /// <summary>Ends a chat span of a call that failed for good, with <c>error.type</c> as the conventions ask.</summary>
    internal static void FailChat(Activity? span, ChatEndpoint endpoint, Exception failure, double seconds, int retries, string message)
    {
        var errorType = ErrorType(failure);
        span?.SetTag("error.type", errorType);
        span?.SetTag("dsp.retries", retries);
        span?.SetStatus(ActivityStatusCode.Error, message);
        OperationDuration.Record(seconds, [.. MetricTags(endpoint, null), new("error.type", errorType)]);
        span?.Dispose();
    }

    private static KeyValuePair<string, object?>[] MetricTags(ChatEndpoint endpoint, string? responseModel)
    {
        var tags = new List<KeyValuePair<string, object?>>
        {
            new("gen_ai.operation.name", "chat"),
            new("gen_ai.provider.name", endpoint.Provider),
            new("gen_ai.request.model", endpoint.Deployment),
        };
        if (responseModel is not null)
        {
            tags.Add(new("gen_ai.response.model", responseModel));
        }

        if (endpoint.Address is { } address)
        {
            tags.Add(new("server.address", address.Host));
            tags.Add(new("server.port", address.Port));
        }

        return [.. tags];
    }

    private static void AddServer(ActivityTagsCollection tags, Uri? address)
    {
        if (address is not null)
        {
            tags["server.address"] = address.Host;
            tags["server.port"] = address.Port;
        }
    }

    /// <summary>The HTTP status the service answered, else <c>timeout</c> (the attempt timeout) or <c>network</c>
    /// (no answer: the connection failed or broke off).</summary>
    private static string Reason(Exception? failure) => failure switch
    {
        ClientResultException { Status: > 0 } e => e.Status.ToString(CultureInfo.InvariantCulture),
        HttpRequestException { StatusCode: { } status } => ((int)status).ToString(CultureInfo.InvariantCulture),
        TimeoutRejectedException => "timeout",
        _ => "network",
    };

    private static string ErrorType(Exception failure) => failure switch
    {
        ClientResultException { Status: > 0 } or HttpRequestException { StatusCode: not null } or TimeoutRejectedException => Reason(failure),
        _ => failure.GetType().FullName ?? "_OTHER",
    };
}
