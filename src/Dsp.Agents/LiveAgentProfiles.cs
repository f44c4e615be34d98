using System.ClientModel;
using System.ClientModel.Primitives;
using Azure.AI.OpenAI;
using Azure.Identity;
using Dsp.Core.Agents;
using Dsp.Core.Costs;
using Microsoft.Extensions.Configuration;
using OpenAI;
using OpenAI.Chat;

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

    /// <summary>The names of the live profiles configured: those that name a deployment (profiles left empty, as in
    /// local.settings.sample.json, are not live).</summary>
    public static IReadOnlyList<string> ConfiguredNames(IConfiguration configuration) =>
        configuration.GetSection(Section).GetChildren()
            .Where(profile => !string.IsNullOrWhiteSpace(profile["Draft:Deployment"]) || !string.IsNullOrWhiteSpace(profile["Target:Deployment"]))
            .Select(profile => profile.Key)
            .ToList();

    /// <summary>Prices given with the profiles (<c>…:Draft:Price</c>, <c>…:Target:Price</c>): model → price.</summary>
    public static IEnumerable<KeyValuePair<string, ModelPrice>> Prices(IConfiguration configuration)
    {
        foreach (var profile in configuration.GetSection(Section).GetChildren())
        {
            foreach (var role in new[] { "Draft", "Target" })
            {
                var options = profile.GetSection(role).Get<LiveAgentOptions>();
                if (options?.Price is { Length: > 0 } price)
                {
                    yield return new(options.ModelName, ModelPrice.Parse(price));
                }
            }
        }
    }

    /// <summary>Builds the live profiles of the configuration, sharing one client per endpoint.</summary>
    public static IReadOnlyList<AgentProfile> Create(IConfiguration configuration, TimeProvider time)
    {
        var connection = configuration.GetSection(OpenAIConnectionOptions.Section).Get<OpenAIConnectionOptions>() ?? new();
        var sections = configuration.GetSection(Section).GetChildren().ToList();
        if (sections.Count == 0)
        {
            return [];
        }

        connection.Validate();
        var clients = new ChatClients(connection);
        return sections.Select(section =>
        {
            var options = new LiveProfileOptions();
            section.Bind(options);
            return Create(section.Key, options, connection, clients.Get, time);
        }).ToList();
    }

    /// <summary>Builds one profile.</summary>
    public static AgentProfile Create(
        string name, LiveProfileOptions options, OpenAIConnectionOptions connection, Func<string, ChatClient> chatClient, TimeProvider time)
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

        var parser = new StepParser(options.AllowedActions.Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => a.Trim()).ToList());
        return new AgentProfile(
            name,
            CreateAgent($"{Section}:{name}:Draft", options.Draft, options.Prompts, parser, connection, chatClient, time),
            CreateAgent($"{Section}:{name}:Target", options.Target, options.Prompts, parser, connection, chatClient, time),
            (_, _) => null);
    }

    private static ChatStepAgent CreateAgent(
        string path, LiveAgentOptions options, PromptTemplates prompts, StepParser parser,
        OpenAIConnectionOptions connection, Func<string, ChatClient> chatClient, TimeProvider time)
    {
        if (string.IsNullOrWhiteSpace(options.DeploymentName))
        {
            throw new InvalidOperationException($"{path}: give a Deployment (Azure OpenAI) or a Model.");
        }

        var chat = new ChatCaller(chatClient(options.DeploymentName), options.DeploymentName, options.ModelName, connection, time);
        var settings = new ChatSettings(options.Temperature, options.Seed, options.MaxOutputTokens);
        return options.Strategy.Trim().ToLowerInvariant() switch
        {
            Strategies.Direct => new DirectAgent(chat, settings, prompts, parser),
            Strategies.ChainOfThought => new ChainOfThoughtAgent(chat, settings, prompts, parser),
            Strategies.React => new ReactAgent(chat, settings, prompts, parser),
            Strategies.Debate => options.DebateRounds >= 1
                ? new DebateAgent(chat, settings, prompts, parser, options.DebateRounds)
                : throw new InvalidOperationException($"{path}:DebateRounds must be at least 1."),
            _ => throw new InvalidOperationException(
                $"{path}:Strategy '{options.Strategy}' is unknown; use one of {string.Join(", ", Strategies.All)}."),
        };
    }
}

/// <summary>The SDK clients of one endpoint, with the SDK's own retries off (the agents retry with Polly).</summary>
public sealed class ChatClients
{
    private readonly OpenAIConnectionOptions _connection;
    private readonly Lazy<AzureOpenAIClient>? _azure;

    public ChatClients(OpenAIConnectionOptions connection)
    {
        connection.Validate();
        _connection = connection;
        if (OpenAIKinds.IsAzure(connection.Kind))
        {
            _azure = new Lazy<AzureOpenAIClient>(CreateAzure);
        }
    }

    /// <summary>The chat client of a deployment (Azure) or a model (OpenAI-compatible).</summary>
    public ChatClient Get(string deploymentOrModel)
    {
        if (_azure is not null)
        {
            return _azure.Value.GetChatClient(deploymentOrModel);
        }

        var options = new OpenAIClientOptions { Endpoint = _connection.Endpoint };
        Configure(options);
        return new ChatClient(deploymentOrModel, new ApiKeyCredential(_connection.ApiKey is { Length: > 0 } key ? key : "unused"), options);
    }

    private AzureOpenAIClient CreateAzure()
    {
        var options = new AzureOpenAIClientOptions();
        Configure(options);
        return _connection.ApiKey is { Length: > 0 } key
            ? new AzureOpenAIClient(_connection.Endpoint, new ApiKeyCredential(key), options)
            : new AzureOpenAIClient(_connection.Endpoint, new DefaultAzureCredential(new DefaultAzureCredentialOptions
            {
                ManagedIdentityClientId = string.IsNullOrWhiteSpace(_connection.ClientId) ? null : _connection.ClientId,
            }), options);
    }

    private void Configure(ClientPipelineOptions options)
    {
        options.RetryPolicy = new ClientRetryPolicy(maxRetries: 0);
        // The attempt timeout (Polly) governs; the transport's own only guards against a hung connection.
        options.NetworkTimeout = _connection.AttemptTimeout + TimeSpan.FromSeconds(30);
    }
}
