using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dsp.Agents.Tests;

/// <summary>
/// What Azure OpenAI refuses, for the loopback servers to refuse it the same way, with the service's error bodies:
/// <list type="bullet">
/// <item>an unknown body parameter (OpenAI's "Unrecognized request argument supplied");</item>
/// <item>for a reasoning deployment, the sampling parameters reasoning models do not take — temperature (other than its
/// default 1), top_p, presence/frequency penalties, logprobs, top_logprobs, logit_bias, max_tokens — and a
/// reasoning_effort the model does not support (https://learn.microsoft.com/azure/foundry/openai/how-to/reasoning,
/// "Not Supported"); for a classic chat deployment, any reasoning_effort;</item>
/// <item>on the v1 route, an api-version other than none, <c>v1</c> or <c>preview</c> (v1 takes no dated version:
/// https://learn.microsoft.com/azure/foundry/openai/api-version-lifecycle — the answer to a dated one is assumed to be
/// the same "API version not supported" Azure gives an unknown version);</item>
/// <item>on the dated deployments route, a missing or unknown api-version, and a reasoning deployment before
/// <c>2024-12-01-preview</c> ("Model {modelName} is enabled only for api versions 2024-12-01-preview and later", as
/// the service words it, placeholder included).</item>
/// </list>
/// </summary>
internal sealed class ServiceRules
{
    /// <summary>The body parameters of Chat Completions (v1 and the dated versions up to 2025-04-01-preview).</summary>
    private static readonly HashSet<string> KnownParameters =
    [
        "messages", "model", "stream", "stream_options", "temperature", "top_p", "n", "stop", "max_tokens", "max_completion_tokens",
        "presence_penalty", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "user", "seed", "tools", "tool_choice",
        "parallel_tool_calls", "response_format", "reasoning_effort", "verbosity", "store", "metadata", "prediction", "modalities",
        "audio", "service_tier", "prompt_cache_key", "safety_identifier", "user_security_context", "web_search_options",
        "data_sources", "functions", "function_call",
    ];

    /// <summary>What reasoning models do not take (Microsoft's "Not Supported" list).</summary>
    private static readonly string[] NotForReasoning =
        ["temperature", "top_p", "presence_penalty", "frequency_penalty", "logprobs", "top_logprobs", "logit_bias", "max_tokens"];

    /// <summary>Dated versions the deployments route knows: the GA ones and the previews.</summary>
    private static readonly HashSet<string> DatedVersions =
    [
        "2024-02-01", "2024-06-01", "2024-10-21",
        "2024-12-01-preview", "2025-01-01-preview", "2025-02-01-preview", "2025-03-01-preview", "2025-04-01-preview",
    ];

    private const string FirstReasoningVersion = "2024-12-01-preview";

    /// <summary>The service writes quotes as they are, not as \u0027.</summary>
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Deployments of reasoning models (GPT-5 family, o-series); every other one serves a classic chat model.</summary>
    public IReadOnlySet<string> ReasoningDeployments { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The reasoning_effort values the reasoning deployments accept (those of gpt-5.4 and later).</summary>
    public IReadOnlyList<string> ReasoningEfforts { get; init; } = ["none", "low", "medium", "high", "xhigh"];

    /// <summary>The refusal of a request, or null when the service would take it.</summary>
    /// <param name="route">Which route the request came on.</param>
    /// <param name="apiVersion">Its <c>api-version</c> query value, if any.</param>
    /// <param name="deployment">The deployment (route or body), if any.</param>
    /// <param name="body">The request body.</param>
    public Reply? Check(ChatRoute route, string? apiVersion, string? deployment, JsonObject body)
    {
        var reasoning = deployment is not null && ReasoningDeployments.Contains(deployment);
        switch (route)
        {
            case ChatRoute.AzureV1 when apiVersion is not (null or "v1" or "preview"):
                return BadRequest("API version not supported");
            case ChatRoute.AzureDeployments when apiVersion is null:
                return new Reply.Status(404, """{"error":{"code":"404","message":"Resource not found"}}""");
            case ChatRoute.AzureDeployments when !DatedVersions.Contains(apiVersion):
                return BadRequest("API version not supported");
            case ChatRoute.AzureDeployments when reasoning && string.CompareOrdinal(apiVersion, FirstReasoningVersion) < 0:
                return BadRequest("Model {modelName} is enabled only for api versions 2024-12-01-preview and later");
        }

        if (body.Select(p => p.Key).FirstOrDefault(key => !KnownParameters.Contains(key)) is { } unknown)
        {
            return InvalidRequest($"Unrecognized request argument supplied: {unknown}", null, null);
        }

        if (reasoning)
        {
            if (body["temperature"] is JsonValue temperature && temperature.GetValue<double>() != 1)
            {
                return InvalidRequest(
                    $"Unsupported value: 'temperature' does not support {temperature.ToJsonString()} with this model. Only the default (1) value is supported.",
                    "temperature", "unsupported_value");
            }

            if (NotForReasoning.FirstOrDefault(p => p != "temperature" && body.ContainsKey(p)) is { } unsupported)
            {
                return InvalidRequest(
                    $"Unsupported parameter: '{unsupported}' is not supported with this model.{(unsupported == "max_tokens" ? " Use 'max_completion_tokens' instead." : "")}",
                    unsupported, "unsupported_parameter");
            }

            if (body["reasoning_effort"]?.GetValue<string>() is { } effort && !ReasoningEfforts.Contains(effort))
            {
                return InvalidRequest(
                    $"Unsupported value: 'reasoning_effort' does not support '{effort}' with this model. Supported values are: {string.Join(", ", ReasoningEfforts.Select(e => $"'{e}'"))}.",
                    "reasoning_effort", "unsupported_value");
            }
        }
        else if (body.ContainsKey("reasoning_effort"))
        {
            return InvalidRequest("Unsupported parameter: 'reasoning_effort' is not supported with this model.", "reasoning_effort", "unsupported_parameter");
        }

        return null;
    }

    private static Reply.Status BadRequest(string message) =>
        new(400, new JsonObject { ["error"] = new JsonObject { ["code"] = "BadRequest", ["message"] = message } }.ToJsonString(Json));

    private static Reply.Status InvalidRequest(string message, string? param, string? code) => new(400, new JsonObject
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = "invalid_request_error", ["param"] = param, ["code"] = code },
    }.ToJsonString(Json));
}

/// <summary>The routes a chat completion arrives on.</summary>
internal enum ChatRoute
{
    /// <summary><c>/openai/v1/chat/completions</c>: the deployment is the body's <c>model</c>.</summary>
    AzureV1,

    /// <summary><c>/openai/deployments/{deployment}/chat/completions?api-version=…</c>.</summary>
    AzureDeployments,

    /// <summary><c>/chat/completions</c> of an OpenAI-compatible endpoint: the body's <c>model</c>.</summary>
    OpenAI,
}
