using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dsp.Core.Agents;
using Dsp.Core.Costs;
using Dsp.Core.Planning;
using Dsp.Functions;
using Dsp.Functions.Planning;
using Dsp.Hosting;
using Dsp.Functions.Telemetry;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Dsp.Agents.Tests;

/// <summary>
/// Whole plans on the Functions app's orchestrator (in-process durable host) with a reasoning-model profile, a classic
/// profile and a profile whose drafter is a client of the user's own registered in DI, against the loopback server that
/// refuses what Azure OpenAI refuses.
/// </summary>
public class ModelFamilyPlanTests
{
    private static readonly string[] TargetPlan = ["Image Deblurring", "Image Denoising", "Image Super Resolution", "Colorization", "TERMINATE"];

    /// <summary>The drafter is right for the first steps, then wrong.</summary>
    private static string Draft(int position) => position < 2 ? TargetPlan[position] : "Object Detection";

    private static readonly ServiceRules Rules = new() { ReasoningDeployments = new HashSet<string> { "gpt-54", "gpt-54-mini", "gpt-54-otel" } };

    private static Reply Script(ChatRequest request)
    {
        var position = Math.Min(request.AskedStep - 1, TargetPlan.Length - 1);
        return request.Deployment is "gpt-54-mini" or "gpt-41-mini"
            ? new Reply.Stream(Draft(position)) { ChunkDelay = TimeSpan.FromMilliseconds(5) }
            : new Reply.Stream(TargetPlan[position]) { FirstChunkDelay = TimeSpan.FromMilliseconds(40), ChunkDelay = TimeSpan.FromMilliseconds(10) };
    }

    private static IConfiguration Configuration(FakeOpenAIServer server)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Dsp:OpenAI:Endpoint"] = server.Endpoint.ToString(),
            ["Dsp:OpenAI:ApiKey"] = "test-key",
            ["Dsp:OpenAI:MaxAttempts"] = "1",
            // As azd deploys it: gpt-5.4 and gpt-5.4-mini, reasoning models.
            ["Dsp:Agents:Profiles:reasoning:Draft:Deployment"] = "gpt-54-mini",
            ["Dsp:Agents:Profiles:reasoning:Draft:Model"] = "gpt-5.4-mini",
            ["Dsp:Agents:Profiles:reasoning:Draft:ReasoningEffort"] = "none",
            ["Dsp:Agents:Profiles:reasoning:Target:Deployment"] = "gpt-54",
            ["Dsp:Agents:Profiles:reasoning:Target:Model"] = "gpt-5.4",
            ["Dsp:Agents:Profiles:reasoning:Target:ReasoningEffort"] = "low",
            ["Dsp:Agents:Profiles:reasoning:Target:MaxOutputTokens"] = "2000",
            // The same, with a target deployment of its own for the telemetry test (the agents' meter is static).
            ["Dsp:Agents:Profiles:otel:Draft:Deployment"] = "gpt-54-mini",
            ["Dsp:Agents:Profiles:otel:Draft:Model"] = "gpt-5.4-mini",
            ["Dsp:Agents:Profiles:otel:Draft:ReasoningEffort"] = "none",
            ["Dsp:Agents:Profiles:otel:Target:Deployment"] = "gpt-54-otel",
            ["Dsp:Agents:Profiles:otel:Target:Model"] = "gpt-5.4",
            ["Dsp:Agents:Profiles:otel:Target:ReasoningEffort"] = "low",
            ["Dsp:Agents:Profiles:otel:Target:MaxOutputTokens"] = "2000",
            // Classic chat models pinned to temperature 0 and a seed.
            ["Dsp:Agents:Profiles:classic:Draft:Deployment"] = "gpt-41-mini",
            ["Dsp:Agents:Profiles:classic:Draft:Model"] = "gpt-4.1-mini",
            ["Dsp:Agents:Profiles:classic:Target:Deployment"] = "gpt-41",
            ["Dsp:Agents:Profiles:classic:Target:Model"] = "gpt-4.1",
            ["Dsp:Agents:Profiles:classic:Target:Temperature"] = "0",
            ["Dsp:Agents:Profiles:classic:Target:Seed"] = "20250901",
            // The drafter is a client of the user's own, registered in DI under the key "scripted".
            ["Dsp:Agents:Profiles:custom:Draft:Client"] = "scripted",
            ["Dsp:Agents:Profiles:custom:Draft:Model"] = "my-local-model",
            ["Dsp:Agents:Profiles:custom:Draft:Price"] = "0.1/0.4",
            ["Dsp:Agents:Profiles:custom:Target:Deployment"] = "gpt-54",
            ["Dsp:Agents:Profiles:custom:Target:Model"] = "gpt-5.4",
            ["Dsp:Agents:Profiles:custom:Target:ReasoningEffort"] = "low",
            ["Dsp:Plans:CancellationPollInterval"] = "00:00:00.005",
            ["Dsp:Policy:RefreshInterval"] = "00:00:00",
        };
        foreach (var profile in new[] { "reasoning", "otel", "classic", "custom" })
        {
            for (var i = 0; i < Live.Tools.Length; i++)
            {
                settings[$"Dsp:Agents:Profiles:{profile}:AllowedActions:{i}"] = Live.Tools[i];
            }
        }

        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }

    private static async Task<PlanResult> PlanAsync(InProcessPlanner planner, string profile)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await planner.WaitAsync(await planner.StartPlanAsync(new PlanInput(Live.Task, 0.9f, 3, 20, "exact", profile)), timeout.Token);
    }

    [Theory]
    [InlineData("reasoning")]
    [InlineData("classic")]
    public async Task Each_model_family_plans_the_targets_plan_with_no_request_the_service_would_refuse(string profile)
    {
        await using var server = await FakeOpenAIServer.StartAsync(Script, Rules);
        await using var planner = await InProcessPlanner.StartAsync(Configuration(server), services => services.AddInMemoryStores(),
            services => services.AddKeyedSingleton<IChatClient>("scripted", new ScriptedChatClient(Draft, TimeSpan.FromMilliseconds(5))));

        var result = await PlanAsync(planner, profile);

        Assert.Equal(PlanOutcomes.Completed, result.Outcome);
        Assert.Equal(TargetPlan, result.Plan);
        Assert.True(result.Run.Lossless);
        Assert.Contains(result.Calls, c => c.Call.Role == AgentRole.Draft && c.Step is not null);
        Assert.NotEmpty(server.Requests);
        Assert.All(server.Requests, r => Assert.False(r.Refused, r.ToString()));
        Assert.All(server.Requests, r => Assert.Equal(profile == "reasoning", r.Body.ContainsKey("reasoning_effort")));
        var targets = server.Requests.Where(r => r.Deployment is "gpt-54" or "gpt-41").ToList();
        Assert.All(targets, r => Assert.Equal(profile == "classic", r.Body.ContainsKey("temperature")));
        // Each call is billed at its role's price.
        var prices = planner.Services.GetRequiredService<IAgentProfiles>().Find(profile)!;
        Assert.All(result.Calls, c => Assert.Equal(prices.PriceFor(c.Call.Role).Cost(c.Usage.PromptTokens, c.Usage.CompletionTokens), c.CostUsd, 12));
    }

    [Fact]
    public async Task A_client_registered_in_DI_drafts_for_a_profile_and_is_billed_at_the_profiles_price()
    {
        var drafter = new ScriptedChatClient(Draft, TimeSpan.FromMilliseconds(5));
        await using var server = await FakeOpenAIServer.StartAsync(Script, Rules);
        await using var planner = await InProcessPlanner.StartAsync(Configuration(server), services => services.AddInMemoryStores(),
            services => services.AddKeyedSingleton<IChatClient>("scripted", drafter));

        var result = await PlanAsync(planner, "custom");

        Assert.Equal(PlanOutcomes.Completed, result.Outcome);
        Assert.Equal(TargetPlan, result.Plan);
        var drafts = result.Calls.Where(c => c.Call.Role == AgentRole.Draft).ToList();
        Assert.Equal(drafts.Count, drafter.Calls.Count); // every draft went to the client of the user's own…
        Assert.DoesNotContain(server.Requests, r => r.Deployment is "gpt-54-mini" or "gpt-41-mini"); // …and none to Azure
        // Drafts 1 and 2 agree with the target and are accepted; the client got the profile's settings (none: no sampling set).
        Assert.Contains(drafts, c => c.Call.Position == 1 && c.Step == TargetPlan[1]);
        Assert.All(drafter.Calls, options => Assert.Null(options?.Temperature));
        var draftPrice = new ModelPrice(0.1, 0.4);
        Assert.All(drafts, c => Assert.Equal(draftPrice.Cost(c.Usage.PromptTokens, c.Usage.CompletionTokens), c.CostUsd, 12));
        Assert.All(drafts.Where(c => c.Step is not null), c => Assert.True(c.Usage.PromptTokens > 0 && c.Usage.CompletionTokens > 0));
    }

    [Fact]
    public async Task Model_calls_are_genai_chat_spans_under_the_plans_call_spans_and_genai_metrics()
    {
        using var spans = new ActivityCollector();
        using var tokens = new TokenUsageCollector("gpt-54-otel");
        await using var server = await FakeOpenAIServer.StartAsync(Script, Rules);
        await using var planner = await InProcessPlanner.StartAsync(Configuration(server), services => services.AddInMemoryStores(),
            services => services.AddKeyedSingleton<IChatClient>("scripted", new ScriptedChatClient(Draft, TimeSpan.FromMilliseconds(5))));

        var result = await PlanAsync(planner, "otel");

        var calls = spans.Stopped.Where(s => s.OperationName == PlanTracing.CallSpanName && Equals(s.GetTagItem("dsp.run_id"), result.Run.RunId)).ToList();
        var chats = spans.Stopped.Where(s => s.Source.Name == AgentTelemetry.ActivitySourceName && calls.Any(c => c.SpanId == s.ParentSpanId)).ToList();
        Assert.Equal(calls.Count(c => c.GetTagItem("dsp.call.prompt_tokens") is > 0), chats.Count);
        var target = chats.First(s => Equals(s.GetTagItem("gen_ai.request.model"), "gpt-54-otel") && s.GetTagItem("dsp.cancelled") is false);
        Assert.Equal("chat gpt-54-otel", target.DisplayName);
        Assert.Equal(ActivityKind.Client, target.Kind);
        Assert.Equal("chat", target.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("azure.ai.openai", target.GetTagItem("gen_ai.provider.name"));
        Assert.Equal("127.0.0.1", target.GetTagItem("server.address"));
        Assert.Equal(2000, target.GetTagItem("gen_ai.request.max_tokens"));
        Assert.Equal(1234, target.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(new[] { "stop" }, target.GetTagItem("gen_ai.response.finish_reasons"));
        // The parent dsp.call span carries the same usage under our own names.
        var parent = calls.Single(c => c.SpanId == target.ParentSpanId);
        Assert.Equal(target.GetTagItem("gen_ai.usage.input_tokens"), parent.GetTagItem("dsp.call.prompt_tokens"));
        Assert.Equal(target.GetTagItem("gen_ai.usage.output_tokens"), parent.GetTagItem("dsp.call.completion_tokens"));
        // gen_ai.client.token.usage holds the billed tokens of every target call, cancelled ones included.
        var targetCalls = result.Calls.Where(c => c.Call.Role == AgentRole.Target && c.Usage.PromptTokens > 0).ToList();
        Assert.Equal(targetCalls.Sum(c => (long)c.Usage.PromptTokens), tokens.Sum("input"));
        Assert.Equal(targetCalls.Sum(c => (long)c.Usage.CompletionTokens), tokens.Sum("output"));
    }

    /// <summary>Every span of the app's and the agents' sources that stops while it listens.</summary>
    private sealed class ActivityCollector : IDisposable
    {
        private readonly ConcurrentQueue<Activity> _stopped = new();
        private readonly ActivityListener _listener;

        public ActivityCollector()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name is PlanTracing.ActivitySourceName or AgentTelemetry.ActivitySourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IReadOnlyList<Activity> Stopped => [.. _stopped];

        public void Dispose() => _listener.Dispose();
    }

    /// <summary><c>gen_ai.client.token.usage</c> of one deployment (the meter is static: tests use deployments of their own).</summary>
    private sealed class TokenUsageCollector : IDisposable
    {
        private readonly ConcurrentQueue<(string Type, long Value)> _values = new();
        private readonly MeterListener _listener = new();

        public TokenUsageCollector(string deployment)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == AgentTelemetry.MeterName && instrument.Name == "gen_ai.client.token.usage")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                var tagged = tags.ToArray().ToDictionary();
                if (Equals(tagged["gen_ai.request.model"], deployment))
                {
                    _values.Enqueue(((string)tagged["gen_ai.token.type"]!, value));
                }
            });
            _listener.Start();
        }

        public long Sum(string type) => _values.Where(v => v.Type == type).Sum(v => v.Value);

        public void Dispose() => _listener.Dispose();
    }
}
