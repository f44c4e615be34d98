using System.ClientModel;
using System.ClientModel.Primitives;
using Azure.AI.OpenAI;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;

namespace Dsp.Agents;

/// <summary>
/// The <see cref="IChatClient"/>s of the <c>Dsp:OpenAI</c> endpoint, one per deployment, with the SDKs' own retries off
/// (the agents retry with Polly). Azure OpenAI is called on its v1 API (<c>{endpoint}/openai/v1/</c>, no api-version)
/// with the OpenAI package, as Microsoft documents for current models
/// (https://learn.microsoft.com/azure/foundry/openai/api-version-lifecycle): an API key goes in the <c>api-key</c>
/// header, Entra ID as a bearer token for the Cognitive Services scope (System.ClientModel's
/// <see cref="BearerTokenPolicy"/> over an Azure.Identity credential, which refreshes it). A dated
/// <c>Dsp:OpenAI:ApiVersion</c> uses Azure.AI.OpenAI's client on the deployments route instead. A plain OpenAI-compatible
/// endpoint gets the key as a bearer token.
/// </summary>
public sealed class ChatClientFactory
{
    /// <summary>The Entra ID scope of Azure OpenAI (the "Cognitive Services OpenAI User" role is granted on it).</summary>
    public const string CognitiveServicesScope = "https://cognitiveservices.azure.com/.default";

    private readonly OpenAIConnectionOptions _connection;
    private readonly Lazy<TokenCredential> _credential;
    private readonly PipelineTransport? _transport;
    private readonly Lazy<AzureOpenAIClient>? _dated;

    /// <param name="connection">The endpoint and its credentials.</param>
    /// <param name="credential">The Entra ID credential when there is no API key (default: <c>DefaultAzureCredential</c>
    /// with the configured managed identity).</param>
    /// <param name="transport">The HTTP transport (default: the SDKs' own).</param>
    public ChatClientFactory(OpenAIConnectionOptions connection, TokenCredential? credential = null, PipelineTransport? transport = null)
    {
        connection.Validate();
        _connection = connection;
        _transport = transport;
        _credential = new Lazy<TokenCredential>(() => credential ?? new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = string.IsNullOrWhiteSpace(connection.ClientId) ? null : connection.ClientId,
        }));
        if (connection.UsesDatedAzureRoute)
        {
            _dated = new Lazy<AzureOpenAIClient>(CreateDatedAzure);
        }
    }

    /// <summary>The OpenTelemetry <c>gen_ai.provider.name</c> of the endpoint.</summary>
    public string ProviderName => OpenAIKinds.IsAzure(_connection.Kind) ? "azure.ai.openai" : "openai";

    /// <summary>The base address requests go to.</summary>
    public Uri BaseAddress => OpenAIKinds.IsAzure(_connection.Kind) && !_connection.UsesDatedAzureRoute ? V1Address(_connection.Endpoint!) : _connection.Endpoint!;

    /// <summary>The chat client of a deployment (Azure) or a model (OpenAI-compatible).</summary>
    public IChatClient Create(string deploymentOrModel)
    {
        if (_dated is not null)
        {
            return _dated.Value.GetChatClient(deploymentOrModel).AsIChatClient();
        }

        var options = Configure(new OpenAIClientOptions { Endpoint = BaseAddress });
#pragma warning disable OPENAI001 // The constructor taking an authentication policy is marked experimental; Microsoft's v1 samples use it for Entra ID.
        var client = OpenAIKinds.IsAzure(_connection.Kind)
            ? new ChatClient(deploymentOrModel, AzureAuthentication(), options)
#pragma warning restore OPENAI001
            : new ChatClient(deploymentOrModel, new ApiKeyCredential(_connection.ApiKey is { Length: > 0 } key ? key : "unused"), options);
        return client.AsIChatClient();
    }

    /// <summary>The v1 base address of an Azure OpenAI endpoint (given as the resource endpoint or already as its v1 address).</summary>
    internal static Uri V1Address(Uri endpoint)
    {
        var root = endpoint.AbsoluteUri.EndsWith('/') ? endpoint.AbsoluteUri : endpoint.AbsoluteUri + "/";
        return root.EndsWith("/openai/v1/", StringComparison.OrdinalIgnoreCase) ? new Uri(root) : new Uri(new Uri(root), "openai/v1/");
    }

    private AuthenticationPolicy AzureAuthentication() => _connection.ApiKey is { Length: > 0 } key
        ? ApiKeyAuthenticationPolicy.CreateHeaderApiKeyPolicy(new ApiKeyCredential(key), "api-key")
        : new BearerTokenPolicy(_credential.Value, CognitiveServicesScope);

    private AzureOpenAIClient CreateDatedAzure()
    {
        var version = string.Equals(_connection.ApiVersion, AzureApiVersions.Dated20240601, StringComparison.OrdinalIgnoreCase)
            ? AzureOpenAIClientOptions.ServiceVersion.V2024_06_01
            : AzureOpenAIClientOptions.ServiceVersion.V2024_10_21;
        var options = Configure(new AzureOpenAIClientOptions(version));
        return _connection.ApiKey is { Length: > 0 } key
            ? new AzureOpenAIClient(_connection.Endpoint, new ApiKeyCredential(key), options)
            : new AzureOpenAIClient(_connection.Endpoint, _credential.Value, options);
    }

    private T Configure<T>(T options)
        where T : ClientPipelineOptions
    {
        options.RetryPolicy = new ClientRetryPolicy(maxRetries: 0);
        // The attempt timeout (Polly) governs; the transport's own only guards against a hung connection.
        options.NetworkTimeout = _connection.AttemptTimeout + TimeSpan.FromSeconds(30);
        if (_transport is not null)
        {
            options.Transport = _transport;
        }

        return options;
    }
}
