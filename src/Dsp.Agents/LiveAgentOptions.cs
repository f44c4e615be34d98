namespace Dsp.Agents;

/// <summary>A live profile (<c>Dsp:Agents:Profiles:{name}</c>): its drafter, its target, and what they share.</summary>
public sealed class LiveProfileOptions
{
    public LiveAgentOptions Draft { get; set; } = new();

    public LiveAgentOptions Target { get; set; } = new() { Temperature = 0, Seed = LiveAgentOptions.DefaultSeed };

    /// <summary>The actions a step may be (e.g. a benchmark's tools); <c>TERMINATE</c> is always allowed. Empty: any text.</summary>
    public List<string> AllowedActions { get; set; } = [];

    /// <summary>The prompt templates (defaults are good for planning with tools).</summary>
    public PromptTemplates Prompts { get; set; } = new();
}

/// <summary>One role of a live profile.</summary>
public sealed class LiveAgentOptions
{
    /// <summary>The seed the target uses unless configured otherwise.</summary>
    public const long DefaultSeed = 20250901;

    /// <summary>The Azure OpenAI deployment (or, for an OpenAI-compatible endpoint, the model sent); default: <see cref="Model"/>.</summary>
    public string? Deployment { get; set; }

    /// <summary>The model behind it, as priced (e.g. <c>gpt-4.1-mini</c>); default: the deployment's name.</summary>
    public string? Model { get; set; }

    /// <summary><c>direct</c>, <c>cot</c>, <c>react</c> or <c>debate</c>.</summary>
    public string Strategy { get; set; } = Strategies.Direct;

    /// <summary>Sampling temperature (the target defaults to 0; the drafter to 0 as well).</summary>
    public float? Temperature { get; set; } = 0;

    /// <summary>The sampling seed (the target defaults to a fixed one).</summary>
    public long? Seed { get; set; }

    /// <summary>A cap on each answer's tokens.</summary>
    public int? MaxOutputTokens { get; set; }

    /// <summary>Debate: rounds of the two assistants before the final answer.</summary>
    public int DebateRounds { get; set; } = 2;

    /// <summary>The price as <c>IN/OUT</c> dollars per 1M tokens, for a model without a built-in price.</summary>
    public string? Price { get; set; }

    internal string DeploymentName => Deployment ?? Model ?? string.Empty;

    internal string ModelName => Model ?? Deployment ?? string.Empty;
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
