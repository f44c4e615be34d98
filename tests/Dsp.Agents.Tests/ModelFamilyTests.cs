using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Text;
using Azure.Core;
using Dsp.Core.Agents;

namespace Dsp.Agents.Tests;

/// <summary>
/// Classic chat models and reasoning models, on a loopback server that refuses what Azure OpenAI refuses
/// (<see cref="ServiceRules"/>): each family gets only the parameters it takes, and a mistake the service refuses comes
/// back as an error that says which setting to change.
/// </summary>
public class ModelFamilyTests
{
    private static readonly ServiceRules Rules = new() { ReasoningDeployments = new HashSet<string> { "gpt-54", "gpt-54-mini" } };

    /// <summary>A gpt-5.4 target and a gpt-5.4-mini drafter, as the infra deploys them.</summary>
    private static AgentProfile ReasoningProfile(OpenAIConnectionOptions connection, Action<LiveProfileOptions>? configure = null) =>
        Live.Profile(connection, configure: options =>
        {
            options.Draft = new LiveAgentOptions { Deployment = "gpt-54-mini", Model = "gpt-5.4-mini", ReasoningEffort = "none" };
            options.Target = new LiveAgentOptions { Deployment = "gpt-54", Model = "gpt-5.4", ReasoningEffort = "low", MaxOutputTokens = 4000 };
            configure?.Invoke(options);
        });

    [Fact]
    public async Task A_reasoning_profile_sends_reasoning_effort_and_max_completion_tokens_and_no_sampling_parameters()
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Say("Image Deblurring"), Rules);
        var profile = ReasoningProfile(Live.Connection(server));

        var target = await profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None);
        var draft = await profile.Draft.ProposeAsync(Live.DraftRequest(0), CancellationToken.None);

        Assert.Equal("Image Deblurring", target.Step);
        Assert.Equal("Image Deblurring", draft.Step);
        Assert.All(server.Requests, r => Assert.False(r.Refused, r.ToString()));
        var (targetBody, draftBody) = (server.Requests[0].Body, server.Requests[1].Body);
        Assert.Equal("low", targetBody["reasoning_effort"]!.GetValue<string>());
        Assert.Equal(4000, targetBody["max_completion_tokens"]!.GetValue<int>());
        Assert.Equal("none", draftBody["reasoning_effort"]!.GetValue<string>());
        foreach (var body in new[] { targetBody, draftBody })
        {
            Assert.False(body.ContainsKey("temperature"));
            Assert.False(body.ContainsKey("seed"));
            Assert.False(body.ContainsKey("max_tokens"));
        }

        Assert.Equal(new Dsp.Core.Costs.ModelPrice(2.5, 15), profile.TargetPrice);
    }

    [Fact]
    public async Task A_classic_profile_pins_temperature_and_seed_and_sends_no_reasoning_effort()
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Say("Image Deblurring"), Rules);
        var profile = Live.Profile(Live.Connection(server), configure: o => o.Target.MaxOutputTokens = 50);

        var result = await profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None);

        Assert.Equal("Image Deblurring", result.Step);
        var request = Assert.Single(server.Requests);
        Assert.False(request.Refused);
        Assert.Equal(0.0, request.Body["temperature"]!.GetValue<double>());
        Assert.Equal(Live.Seed, request.Body["seed"]!.GetValue<long>());
        Assert.Equal(50, request.Body["max_completion_tokens"]!.GetValue<int>());
        Assert.False(request.Body.ContainsKey("reasoning_effort"));
        // The drafter was given no sampling settings: none is sent.
        await profile.Draft.ProposeAsync(Live.DraftRequest(0), CancellationToken.None);
        Assert.False(server.Requests[1].Body.ContainsKey("temperature"));
    }

    [Fact]
    public async Task A_temperature_sent_to_a_reasoning_deployment_is_refused_once_and_the_error_names_the_setting()
    {
        // A profile that does not say its target reasons (no ReasoningEffort) cannot be checked at start-up; the service refuses.
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Say("Image Deblurring"), Rules);
        var profile = Live.Profile(Live.Connection(server), targetDeployment: "gpt-54");

        var e = await Assert.ThrowsAsync<AgentException>(() => profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None));

        Assert.True(Assert.Single(server.Requests).Refused); // a 400 is not retried
        Assert.Contains("rejected the call (400)", e.Message, StringComparison.Ordinal);
        Assert.Contains("Unsupported value: 'temperature' does not support 0 with this model.", e.Message, StringComparison.Ordinal);
        Assert.Contains("remove Dsp:Agents:Profiles:live:Target:Temperature", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reasoning_effort_sent_to_a_classic_deployment_is_refused_and_the_error_names_the_setting()
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Say("Image Deblurring"), Rules);
        var profile = Live.Profile(Live.Connection(server), configure: o => o.Draft.ReasoningEffort = "low");

        var e = await Assert.ThrowsAsync<AgentException>(() => profile.Draft.ProposeAsync(Live.DraftRequest(0), CancellationToken.None));

        Assert.True(Assert.Single(server.Requests).Refused);
        Assert.Contains("'reasoning_effort' is not supported with this model", e.Message, StringComparison.Ordinal);
        Assert.Contains("Check Dsp:Agents:Profiles:live:Draft:ReasoningEffort", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dated_api_version_route_streams_through_azure_ai_openai_2_1_over_the_newer_openai_package()
    {
        // Azure.AI.OpenAI 2.1.0 was built against OpenAI 2.1.0 and runs here over 2.14.0 (Microsoft.Extensions.AI.OpenAI's):
        // the answer must stream word by word, be read with its usage, and a cancellation must close the stream.
        var words = string.Join(' ', Enumerable.Range(0, 150).Select(i => $"w{i}")) + "\nStep: Image Deblurring";
        await using var server = await FakeOpenAIServer.StartAsync(
            request => request.User.Contains("slow task", StringComparison.Ordinal)
                ? new Reply.Stream(words) { ChunkDelay = TimeSpan.FromMilliseconds(10) }
                : Reply.Say("Upscale it.\nStep: Image Super Resolution"),
            Rules);
        var connection = Live.Connection(server);
        connection.ApiVersion = AzureApiVersions.Dated20241021;
        var profile = Live.Profile(connection, targetStrategy: Strategies.ChainOfThought);

        var finished = await profile.Target.ProposeAsync(Live.Request(1, "Image Deblurring"), CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
        var cancelled = await profile.Target.ProposeAsync(Live.Request(0) with { Task = "slow task" }, cancel.Token);

        Assert.Equal("Image Super Resolution", finished.Step);
        var request = server.Requests[0];
        Assert.Equal("/openai/deployments/target/chat/completions", request.Path);
        Assert.Equal("2024-10-21", request.ApiVersion);
        Assert.Equal("test-key", request.Headers["api-key"]);
        Assert.True(request.IncludeUsage);
        Assert.Equal(1234, finished.Usage.PromptTokens); // the service's usage report, read through Microsoft.Extensions.AI
        Assert.True(cancelled.Usage.Cancelled);
        Assert.InRange(cancelled.Usage.CompletionTokens, 1, TokenCounter.Count("gpt-4.1", words) / 2);
        Assert.Equal(1, await server.WaitForAbortsAsync(1, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_reasoning_deployment_on_the_dated_route_is_refused_as_azure_refuses_it_and_the_error_says_use_v1()
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Say("Image Deblurring"), Rules);
        var connection = Live.Connection(server);
        connection.ApiVersion = AzureApiVersions.Dated20241021;
        var profile = Live.Profile(connection, configure: o => o.Target = new LiveAgentOptions { Deployment = "gpt-54", Model = "gpt-5.4" });

        var e = await Assert.ThrowsAsync<AgentException>(() => profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None));

        Assert.Contains("enabled only for api versions 2024-12-01-preview and later", e.Message, StringComparison.Ordinal);
        Assert.Contains("Set Dsp:OpenAI:ApiVersion to 'v1'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("openai/v1/chat/completions?api-version=2024-10-21", """{"model":"gpt-54","messages":[]}""", 400, "API version not supported")]
    [InlineData("openai/v1/chat/completions?api-version=preview", """{"model":"gpt-54","messages":[]}""", 200, "")]
    [InlineData("openai/deployments/gpt-41/chat/completions?api-version=2023-03-15-preview", """{"messages":[]}""", 400, "API version not supported")]
    [InlineData("openai/deployments/gpt-41/chat/completions", """{"messages":[]}""", 404, "Resource not found")]
    [InlineData("openai/deployments/gpt-41/chat/completions?api-version=2024-10-21", """{"messages":[],"temprature":0}""", 400, "Unrecognized request argument supplied: temprature")]
    [InlineData("openai/v1/chat/completions", """{"model":"gpt-54","messages":[],"max_tokens":100}""", 400, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.")]
    [InlineData("openai/v1/chat/completions", """{"model":"gpt-54","messages":[],"top_p":0.5}""", 400, "Unsupported parameter: 'top_p'")]
    [InlineData("openai/v1/chat/completions", """{"model":"gpt-54","messages":[],"temperature":1}""", 200, "")]
    [InlineData("openai/v1/chat/completions", """{"model":"gpt-54","messages":[],"reasoning_effort":"minimal"}""", 400, "'reasoning_effort' does not support 'minimal'")]
    public async Task The_loopback_server_refuses_what_azure_openai_refuses(string path, string body, int status, string message)
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Say("ok"), Rules);
        using var http = new HttpClient();

        using var response = await http.PostAsync(new Uri(server.Endpoint, path), new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(message, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Entra_id_on_the_v1_route_sends_a_bearer_token_for_the_cognitive_services_scope()
    {
        // System.ClientModel's BearerTokenPolicy refuses plain HTTP: the server speaks TLS with a certificate of its own.
        using var tls = new LoopbackApp.Tls();
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Say("Image Deblurring"), Rules, tls);
        var credential = new RecordingCredential();
        var connection = Live.Connection(server);
        connection.ApiKey = null;
        using var http = new HttpClient(tls.TrustingHandler());
        var factory = new Lazy<ChatClientFactory>(() => new ChatClientFactory(connection, credential, new HttpClientPipelineTransport(http)));
        var profile = LiveAgentProfiles.Create(
            "entra",
            new LiveProfileOptions
            {
                Draft = new LiveAgentOptions { Deployment = "gpt-54-mini", Model = "gpt-5.4-mini" },
                Target = new LiveAgentOptions { Deployment = "gpt-54", Model = "gpt-5.4", ReasoningEffort = "low" },
            },
            connection,
            factory,
            TimeProvider.System);

        var result = await profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None);

        Assert.Equal("Image Deblurring", result.Step);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/openai/v1/chat/completions", request.Path);
        Assert.Equal("Bearer entra-token", request.Headers["Authorization"]);
        Assert.False(request.Headers.ContainsKey("api-key"));
        Assert.Equal([ChatClientFactory.CognitiveServicesScope], credential.Scopes.Distinct());
    }

    private sealed class RecordingCredential : TokenCredential
    {
        public ConcurrentBag<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            foreach (var scope in requestContext.Scopes)
            {
                Scopes.Add(scope);
            }

            return new AccessToken("entra-token", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }
}
