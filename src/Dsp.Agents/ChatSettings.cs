using Microsoft.Extensions.AI;
using OpenAI.Chat;

namespace Dsp.Agents;

/// <summary>The request settings of a role's calls; each is sent only when set.</summary>
/// <param name="Temperature">Sampling temperature (classic chat models).</param>
/// <param name="Seed">Sampling seed.</param>
/// <param name="MaxOutputTokens">A cap on the answer, sent as <c>max_completion_tokens</c>.</param>
/// <param name="ReasoningEffort">A reasoning model's <c>reasoning_effort</c>.</param>
/// <param name="ModelId">The model a client of the user's own is asked for (the role's deployment), or null.</param>
public sealed record ChatSettings(float? Temperature, long? Seed, int? MaxOutputTokens, string? ReasoningEffort = null, string? ModelId = null)
{
    /// <summary>The Microsoft.Extensions.AI options of one call.</summary>
    internal ChatOptions ToOptions()
    {
        var options = new ChatOptions
        {
            Temperature = Temperature,
            Seed = Seed,
            MaxOutputTokens = MaxOutputTokens,
            ModelId = ModelId,
        };
        if (ReasoningEffort is { } effort)
        {
            // The portable setting, for any IChatClient; it has no "minimal". The OpenAI client (Microsoft.Extensions.AI.OpenAI)
            // takes the exact wire value from its raw options, which win over ChatOptions.Reasoning.
            options.Reasoning = Portable(effort) is { } portable ? new ReasoningOptions { Effort = portable } : null;
#pragma warning disable OPENAI001 // reasoning_effort is marked experimental by the SDK; the service documents it.
            options.RawRepresentationFactory = _ => new ChatCompletionOptions { ReasoningEffortLevel = new ChatReasoningEffortLevel(effort) };
#pragma warning restore OPENAI001
        }

        return options;
    }

    private static ReasoningEffort? Portable(string effort) => effort switch
    {
        "none" => Microsoft.Extensions.AI.ReasoningEffort.None,
        "low" => Microsoft.Extensions.AI.ReasoningEffort.Low,
        "medium" => Microsoft.Extensions.AI.ReasoningEffort.Medium,
        "high" => Microsoft.Extensions.AI.ReasoningEffort.High,
        "xhigh" => Microsoft.Extensions.AI.ReasoningEffort.ExtraHigh,
        _ => null,
    };
}

/// <summary>Where a role's calls go, for messages and telemetry.</summary>
/// <param name="Deployment">The deployment (or model) called.</param>
/// <param name="Model">The priced model, whose tokenizer counts cancelled calls.</param>
/// <param name="Provider">The OpenTelemetry <c>gen_ai.provider.name</c> (<c>azure.ai.openai</c>, <c>openai</c>, or the client's own).</param>
/// <param name="Address">The service's base address, when known.</param>
/// <param name="SettingsPath">The configuration section of the role (e.g. <c>Dsp:Agents:Profiles:default:Target</c>), named in errors.</param>
public sealed record ChatEndpoint(string Deployment, string Model, string Provider, Uri? Address, string SettingsPath);
