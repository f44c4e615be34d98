namespace Dsp.Agents;

/// <summary>A live profile (<c>Dsp:Agents:Profiles:{name}</c>): its drafter, its target, and what they share.</summary>
public sealed class LiveProfileOptions
{
    public LiveAgentOptions Draft { get; set; } = new();

    public LiveAgentOptions Target { get; set; } = new();

    /// <summary>The actions a step may be (e.g. a benchmark's tools); <c>TERMINATE</c> is always allowed. Empty: any text.</summary>
    public List<string> AllowedActions { get; set; } = [];

    /// <summary>The prompt templates (defaults are good for planning with tools).</summary>
    public PromptTemplates Prompts { get; set; } = new();
}

/// <summary>
/// One role of a live profile. Sampling settings are sent only when set: a classic chat model can be pinned with
/// <see cref="Temperature"/> 0 and a <see cref="Seed"/>; a reasoning model (GPT-5 family, o-series) rejects
/// <c>temperature</c> and takes <see cref="ReasoningEffort"/> instead.
/// </summary>
public sealed class LiveAgentOptions
{
    /// <summary>The Azure OpenAI deployment (or, for an OpenAI-compatible endpoint, the model sent); default: <see cref="Model"/>.</summary>
    public string? Deployment { get; set; }

    /// <summary>The model behind it, as priced (e.g. <c>gpt-5.4-mini</c>); default: the deployment's name.</summary>
    public string? Model { get; set; }

    /// <summary>
    /// The key of an <c>IChatClient</c> registered in dependency injection (<c>AddKeyedSingleton&lt;IChatClient&gt;(key, …)</c>)
    /// that this role calls instead of <c>Dsp:OpenAI</c>: any provider with a Microsoft.Extensions.AI client.
    /// </summary>
    public string? Client { get; set; }

    /// <summary><c>direct</c>, <c>cot</c>, <c>react</c> or <c>debate</c>.</summary>
    public string Strategy { get; set; } = Strategies.Direct;

    /// <summary>Sampling temperature; not sent when unset. Reasoning models refuse it.</summary>
    public float? Temperature { get; set; }

    /// <summary>The sampling seed; not sent when unset.</summary>
    public long? Seed { get; set; }

    /// <summary>A reasoning model's <c>reasoning_effort</c> (<c>none</c>, <c>minimal</c>, <c>low</c>, <c>medium</c>,
    /// <c>high</c>, <c>xhigh</c>, as the model supports); not sent when unset. Marks the role as a reasoning model.</summary>
    public string? ReasoningEffort { get; set; }

    /// <summary>A cap on each answer's tokens, sent as <c>max_completion_tokens</c> (a reasoning model's hidden reasoning
    /// counts toward it); not sent when unset.</summary>
    public int? MaxOutputTokens { get; set; }

    /// <summary>Debate: rounds of the two assistants before the final answer.</summary>
    public int DebateRounds { get; set; } = 2;

    /// <summary>The price as <c>IN/OUT</c> dollars per 1M tokens; overrides <c>Dsp:Prices</c> and the built-in price.</summary>
    public string? Price { get; set; }

    internal string DeploymentName => Deployment ?? Model ?? string.Empty;

    internal string ModelName => Model ?? Deployment ?? Client ?? string.Empty;
}

/// <summary>The strategies an agent plans with.</summary>
public static class Strategies
{
    public const string Direct = "direct";
    public const string ChainOfThought = "cot";
    public const string React = "react";
    public const string Debate = "debate";

    public static IReadOnlyList<string> All { get; } = [Direct, ChainOfThought, React, Debate];
}

/// <summary>The <c>reasoning_effort</c> values Chat Completions accepts (https://learn.microsoft.com/azure/foundry/openai/how-to/reasoning;
/// <c>max</c> exists only in the Responses API). Which of them a model supports is the model's business.</summary>
public static class ReasoningEfforts
{
    public static IReadOnlyList<string> All { get; } = ["none", "minimal", "low", "medium", "high", "xhigh"];

    public static bool IsKnown(string effort) => All.Contains(effort, StringComparer.Ordinal);
}
