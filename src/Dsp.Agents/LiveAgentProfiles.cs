using Dsp.Core.Agents;
using Dsp.Core.Costs;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Dsp.Agents;

/// <summary>
/// The configured live profiles (<c>Dsp:Agents:Profiles:{name}</c>) by their names, plus the replay profile as
/// <c>replay</c> — and as <c>default</c> when no live profile is named so.
/// </summary>
public sealed class LiveAgentProfiles : IAgentProfiles
{
    /// <summary>The configuration section of the live profiles.</summary>
    public const string Section = "Dsp:Agents:Profiles";

    /// <summary>The name under which the replay profile stays available.</summary>
    public const string ReplayName = "replay";

    private const string DefaultName = "default";

    private static readonly string[] Roles = ["Draft", "Target"];

    private readonly Dictionary<string, AgentProfile> _live;
    private readonly Lazy<AgentProfile?> _replay;

    /// <param name="live">The live profiles.</param>
    /// <param name="replay">The replay profiles (their <c>default</c> profile is used), built on first use.</param>
    public LiveAgentProfiles(IEnumerable<AgentProfile> live, Func<IAgentProfiles>? replay)
    {
        _live = live.ToDictionary(p => p.Name, StringComparer.Ordinal);
        _replay = new Lazy<AgentProfile?>(() => replay?.Invoke().Find(DefaultName));
        var names = _live.Keys.Order(StringComparer.Ordinal).ToList();
        if (replay is not null)
        {
            names.Add(ReplayName);
            if (!_live.ContainsKey(DefaultName))
            {
                names.Insert(0, DefaultName);
            }
        }

        Names = names;
    }

    public IReadOnlyCollection<string> Names { get; }

    public AgentProfile? Find(string name)
    {
        if (_live.TryGetValue(name, out var live))
        {
            return live;
        }

        return name switch
        {
            ReplayName => _replay.Value is { } replay ? replay with { Name = ReplayName } : null,
            DefaultName => _replay.Value,
            _ => null,
        };
    }

    /// <summary>The names of the live profiles configured: those that name a deployment or a client (profiles left
    /// empty, as in local.settings.sample.json, are not live).</summary>
    public static IReadOnlyList<string> ConfiguredNames(IConfiguration configuration) =>
        configuration.GetSection(Section).GetChildren()
            .Where(profile => Roles.Any(role =>
                !string.IsNullOrWhiteSpace(profile[$"{role}:Deployment"]) || !string.IsNullOrWhiteSpace(profile[$"{role}:Client"])))
            .Select(profile => profile.Key)
            .ToList();

    /// <summary>
    /// Checks every configured profile without calling anything — strategies, deployments, sampling and reasoning
    /// settings, the endpoint and each agent's price — so that a mistake stops the app at start-up, naming the setting.
    /// </summary>
    /// <exception cref="InvalidOperationException">A setting is wrong or a price is missing.</exception>
    public static void Validate(IConfiguration configuration)
    {
        var (connection, profiles) = Read(configuration);
        var prices = AgentPrices.Table(configuration);
        foreach (var (name, options) in profiles)
        {
            Check(name, options, connection, prices);
        }
    }

    /// <summary>Builds the live profiles of the configuration, sharing one client per deployment of <c>Dsp:OpenAI</c>.</summary>
    /// <param name="configuration">The settings.</param>
    /// <param name="time">The clock.</param>
    /// <param name="services">Where the <c>IChatClient</c>s that roles name with <c>Client</c> are registered (keyed).</param>
    public static IReadOnlyList<AgentProfile> Create(IConfiguration configuration, TimeProvider time, IServiceProvider? services = null)
    {
        var (connection, profiles) = Read(configuration);
        if (profiles.Count == 0)
        {
            return [];
        }

        var prices = AgentPrices.Table(configuration);
        var factory = new Lazy<ChatClientFactory>(() => new ChatClientFactory(connection));
        return profiles.Select(p => Create(p.Name, p.Options, connection, factory, time, prices, services)).ToList();
    }

    /// <summary>Builds one profile.</summary>
    /// <param name="name">The profile's name.</param>
    /// <param name="options">Its settings.</param>
    /// <param name="connection">The endpoint and retry settings.</param>
    /// <param name="factory">The clients of the endpoint (used by roles without a <c>Client</c>).</param>
    /// <param name="time">The clock.</param>
    /// <param name="prices">Prices for roles without a <c>Price</c> of their own (default: the built-in list).</param>
    /// <param name="services">Where the keyed <c>IChatClient</c>s roles name are registered.</param>
    public static AgentProfile Create(
        string name, LiveProfileOptions options, OpenAIConnectionOptions connection, Lazy<ChatClientFactory> factory, TimeProvider time,
        PriceTable? prices = null, IServiceProvider? services = null)
    {
        var checkedProfile = Check(name, options, connection, prices ?? PriceTable.BuiltIn);
        var parser = new StepParser(options.AllowedActions.Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => a.Trim()).ToList());
        return new AgentProfile(
            name,
            CreateAgent(checkedProfile.Draft, options.Prompts, parser, connection, factory, services, time),
            CreateAgent(checkedProfile.Target, options.Prompts, parser, connection, factory, services, time),
            (_, _) => null,
            checkedProfile.Draft.Price,
            checkedProfile.Target.Price);
    }

    private static (OpenAIConnectionOptions Connection, List<(string Name, LiveProfileOptions Options)> Profiles) Read(IConfiguration configuration)
    {
        var connection = configuration.GetSection(OpenAIConnectionOptions.Section).Get<OpenAIConnectionOptions>() ?? new();
        var profiles = configuration.GetSection(Section).GetChildren().Select(section =>
        {
            var options = new LiveProfileOptions();
            section.Bind(options);
            return (section.Key, options);
        }).ToList();
        return (connection, profiles);
    }

    /// <summary>A role whose settings were checked and whose price is known.</summary>
    private sealed record CheckedRole(string Path, LiveAgentOptions Options, string? ReasoningEffort, ModelPrice Price);

    private sealed record CheckedProfile(CheckedRole Draft, CheckedRole Target);

    private static CheckedProfile Check(string name, LiveProfileOptions options, OpenAIConnectionOptions connection, PriceTable prices)
    {
        foreach (var placeholder in new[] { "{task}", "{history}" })
        {
            // The system message is never filled with the request: say so rather than send the placeholder as written.
            if (options.Prompts.System.Contains(placeholder, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"{Section}:{name}:Prompts:System must not contain {placeholder}: the task and the steps go in the user message only, never in the system instructions.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.Draft.Client) || string.IsNullOrWhiteSpace(options.Target.Client))
        {
            connection.Validate();
        }
        else
        {
            connection.ValidateRetries(); // both roles call clients of their own: no endpoint needed
        }

        return new CheckedProfile(
            CheckRole($"{Section}:{name}:Draft", options.Draft, connection, prices),
            CheckRole($"{Section}:{name}:Target", options.Target, connection, prices));
    }

    private static CheckedRole CheckRole(string path, LiveAgentOptions options, OpenAIConnectionOptions connection, PriceTable prices)
    {
        var ownClient = !string.IsNullOrWhiteSpace(options.Client);
        if (!ownClient && string.IsNullOrWhiteSpace(options.DeploymentName))
        {
            throw new InvalidOperationException($"{path}: give a Deployment (Azure OpenAI) or a Model, or the Client key of an IChatClient registered in DI.");
        }

        if (!Strategies.All.Contains(options.Strategy.Trim().ToLowerInvariant()))
        {
            throw new InvalidOperationException($"{path}:Strategy '{options.Strategy}' is unknown; use one of {string.Join(", ", Strategies.All)}.");
        }

        if (options.DebateRounds < 1)
        {
            throw new InvalidOperationException($"{path}:DebateRounds must be at least 1.");
        }

        if (options.MaxOutputTokens is < 1)
        {
            throw new InvalidOperationException($"{path}:MaxOutputTokens must be at least 1 (or unset).");
        }

        var effort = string.IsNullOrWhiteSpace(options.ReasoningEffort) ? null : options.ReasoningEffort.Trim().ToLowerInvariant();
        if (effort is not null)
        {
            if (!ReasoningEfforts.IsKnown(effort))
            {
                throw new InvalidOperationException(
                    $"{path}:ReasoningEffort '{options.ReasoningEffort}' is not one of {string.Join(", ", ReasoningEfforts.All)} (Chat Completions; 'max' exists only in the Responses API).");
            }

            if (options.Temperature is not null)
            {
                throw new InvalidOperationException(
                    $"{path}: a reasoning model (ReasoningEffort is set) refuses temperature; remove {path}:Temperature, or ReasoningEffort for a classic chat model.");
            }

            if (!ownClient && connection.UsesDatedAzureRoute)
            {
                throw new InvalidOperationException(
                    $"{path}:ReasoningEffort needs Dsp:OpenAI:ApiVersion '{AzureApiVersions.V1}': Azure refuses reasoning models on api-version {connection.ApiVersion}.");
            }
        }

        return new CheckedRole(path, options, effort, AgentPrices.ForRole(prices, path, options));
    }

    private static ChatStepAgent CreateAgent(
        CheckedRole role, PromptTemplates prompts, StepParser parser, OpenAIConnectionOptions connection, Lazy<ChatClientFactory> factory,
        IServiceProvider? services, TimeProvider time)
    {
        var options = role.Options;
        ChatCaller chat;
        if (options.Client is { Length: > 0 } key)
        {
            var client = services?.GetKeyedService<IChatClient>(key) ?? throw new InvalidOperationException(
                $"{role.Path}:Client names '{key}', but no IChatClient is registered with that key (services.AddKeyedSingleton<IChatClient>(\"{key}\", …)).");
            var metadata = client.GetService<ChatClientMetadata>();
            var deployment = string.IsNullOrWhiteSpace(options.Deployment) ? metadata?.DefaultModelId ?? key : options.Deployment;
            chat = new ChatCaller(client, new ChatEndpoint(deployment, options.ModelName, metadata?.ProviderName ?? key, metadata?.ProviderUri, role.Path), connection, time);
        }
        else
        {
            chat = new ChatCaller(
                factory.Value.Create(options.DeploymentName),
                new ChatEndpoint(options.DeploymentName, options.ModelName, factory.Value.ProviderName, factory.Value.BaseAddress, role.Path),
                connection,
                time);
        }

        var settings = new ChatSettings(
            options.Temperature, options.Seed, options.MaxOutputTokens, role.ReasoningEffort,
            ModelId: options.Client is { Length: > 0 } && !string.IsNullOrWhiteSpace(options.Deployment) ? options.Deployment : null);
        return options.Strategy.Trim().ToLowerInvariant() switch
        {
            Strategies.ChainOfThought => new ChainOfThoughtAgent(chat, settings, prompts, parser),
            Strategies.React => new ReactAgent(chat, settings, prompts, parser),
            Strategies.Debate => new DebateAgent(chat, settings, prompts, parser, options.DebateRounds),
            _ => new DirectAgent(chat, settings, prompts, parser),
        };
    }
}
