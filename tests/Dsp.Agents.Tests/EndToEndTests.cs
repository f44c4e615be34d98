using System.Globalization;
using Dsp.Core.Agents;
using Dsp.Core.Planning;
using Dsp.Core.Policy;
using Dsp.Core.Traces;
using Dsp.Functions;
using Dsp.Functions.Planning;
using Dsp.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Dsp.Agents.Tests;

/// <summary>
/// The Functions app's orchestrator on the in-process durable host, with live agents (configured the way the app
/// is) against the local server.
/// </summary>
public class EndToEndTests
{
    /// <summary>What the scripted target plans.</summary>
    private static readonly string[] TargetPlan =
        ["Image Deblurring", "Image Denoising", "Image Super Resolution", "Colorization", "Image Captioning", "Text Summarization", "TERMINATE"];

    /// <summary>The drafter agrees with the target for the first steps, then guesses wrong.</summary>
    private const int DraftAgreesUpTo = 3;

    private static Reply Script(ChatRequest request)
    {
        var position = request.AskedStep - 1;
        return request.Deployment switch
        {
            "drafter" => new Reply.Stream(position < DraftAgreesUpTo ? TargetPlan[position] : "Object Detection") { ChunkDelay = TimeSpan.FromMilliseconds(5) },
            "broken-drafter" => Reply.Error(500, "The server had an error."),
            // The target is slow and streams word by word, so that branches past a mismatch are cut mid-answer.
            _ => new Reply.Stream(Padding + "\nStep: " + TargetPlan[Math.Min(position, TargetPlan.Length - 1)]) { ChunkDelay = TimeSpan.FromMilliseconds(15) },
        };
    }

    private static readonly string Padding = string.Join(' ', Enumerable.Range(0, 20).Select(i => $"reasoning{i}"));

    private static IConfiguration Configuration(FakeOpenAIServer server)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Dsp:OpenAI:Endpoint"] = server.Endpoint.ToString(),
            ["Dsp:OpenAI:ApiKey"] = "test-key",
            ["Dsp:OpenAI:MaxAttempts"] = "1",
            ["Dsp:Agents:Profiles:default:Draft:Deployment"] = "drafter",
            ["Dsp:Agents:Profiles:default:Draft:Model"] = "gpt-4.1-mini",
            ["Dsp:Agents:Profiles:default:Target:Deployment"] = "target",
            ["Dsp:Agents:Profiles:default:Target:Model"] = "gpt-4.1",
            ["Dsp:Agents:Profiles:default:Target:Strategy"] = "cot",
            ["Dsp:Agents:Profiles:flaky:Draft:Deployment"] = "broken-drafter",
            ["Dsp:Agents:Profiles:flaky:Draft:Model"] = "my-small-model",
            ["Dsp:Agents:Profiles:flaky:Draft:Price"] = "0.1/0.4",
            ["Dsp:Agents:Profiles:flaky:Target:Deployment"] = "target",
            ["Dsp:Agents:Profiles:flaky:Target:Model"] = "gpt-4.1",
            ["Dsp:Agents:Profiles:flaky:Target:Strategy"] = "cot",
            ["Dsp:Agents:Replay:Traces:0"] = Path.Combine(AppContext.BaseDirectory, "traces", "openagi-gpt4turbo.jsonl"),
            ["Dsp:Plans:CancellationPollInterval"] = "00:00:00.005",
            ["Dsp:Policy:RefreshInterval"] = "00:00:00",
        };
        for (var i = 0; i < Live.Tools.Length; i++)
        {
            settings[$"Dsp:Agents:Profiles:default:AllowedActions:{i}"] = Live.Tools[i];
            settings[$"Dsp:Agents:Profiles:flaky:AllowedActions:{i}"] = Live.Tools[i];
        }

        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }

    /// <summary>The target alone, step after step.</summary>
    private static async Task<List<string>> TargetAloneAsync(IStepAgent target)
    {
        var plan = new List<string>();
        while (plan.Count < 20 && (plan.Count == 0 || !PlanSteps.IsTerminate(plan[^1])))
        {
            var result = await target.ProposeAsync(Live.Request(plan.Count, [.. plan]), CancellationToken.None);
            plan.Add(result.Step!);
        }

        return plan;
    }

    [Fact]
    public async Task Live_agents_plan_exactly_the_targets_plan_and_cancelled_branches_stop_streaming()
    {
        await using var server = await FakeOpenAIServer.StartAsync(Script);
        await using var planner = await InProcessPlanner.StartAsync(Configuration(server), services => services.AddInMemoryStores());
        var profiles = planner.Services.GetRequiredService<IAgentProfiles>();
        Assert.Equal(["default", "flaky", "replay"], profiles.Names.Order(StringComparer.Ordinal));
        Assert.Equal("gpt-4.1", profiles.Find("default")!.Target.Model);
        Assert.Equal("gpt-4-turbo", profiles.Find("replay")!.Target.Model);
        var targetAlone = await TargetAloneAsync(profiles.Find("default")!.Target);
        Assert.Equal(TargetPlan, targetAlone);
        var abortsBefore = server.Aborted;

        var id = await planner.StartPlanAsync(new PlanInput(Live.Task, 0.9f, 3, 20, "exact", "default", Policy: PolicyNames.Dsp));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await planner.WaitAsync(id, timeout.Token);

        Assert.Equal(PlanOutcomes.Completed, result.Outcome);
        Assert.Equal(targetAlone, result.Plan);
        Assert.True(result.Run.Lossless);
        var cancelled = result.Calls.Where(c => c.Usage.Cancelled && c.Usage.PromptTokens > 0).ToList();
        Assert.NotEmpty(cancelled);
        // A cancelled target stopped mid-answer: fewer completion tokens than a full answer, and the server saw the
        // stream closed.
        var fullTarget = result.Calls.Where(c => c.Call.Role == AgentRole.Target && !c.Usage.Cancelled).Max(c => c.Usage.CompletionTokens);
        Assert.All(cancelled.Where(c => c.Call.Role == AgentRole.Target), c => Assert.True(c.Usage.CompletionTokens < fullTarget));
        Assert.True(await server.WaitForAbortsAsync(abortsBefore + 1, TimeSpan.FromSeconds(5)) > abortsBefore, "no stream was aborted");
        // Drafts were accepted while they matched.
        Assert.Contains(result.Calls, c => c.Call.Role == AgentRole.Draft && c.Call.Position == 1 && !c.Usage.Cancelled);
        Assert.True(result.Run.CostUsd > 0);

        // The live run becomes a dsp-trace/1 trace that replays to the same plan.
        var trace = PlanTraces.FromResult(id, new PlanInput(Live.Task, 0.9f, 3, 20, "exact", "default", Policy: PolicyNames.Dsp), result, profiles.Find("default")!);
        Assert.Equal(targetAlone, trace.Steps.Select(s => s.Target.Text));
        Assert.Equal(TargetPlan.Take(DraftAgreesUpTo), trace.Steps.Take(DraftAgreesUpTo).Select(s => s.Draft.Text));
        Assert.Equal(new TraceModels("gpt-4.1-mini", "gpt-4.1", "direct", "cot"), trace.Models);
        Assert.Equal(result.Depths, trace.Recorded!.RoundDepths);
        var file = Path.Combine(Path.GetTempPath(), $"dsp-live-{Guid.NewGuid():N}.jsonl");
        try
        {
            TraceWriter.WriteFile(file, [trace]);
            var read = Assert.Single(TraceReader.ReadFile(file));
            Assert.Equal(TraceWriter.ToJson(trace), TraceWriter.ToJson(read));
            var replayed = await ReplayAsync(file, read);
            Assert.Equal(PlanOutcomes.Completed, replayed.Outcome);
            Assert.Equal(targetAlone, replayed.Plan);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<PlanResult> ReplayAsync(string file, AgentTrace trace)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dsp:Agents:Replay:Traces:0"] = file,
            ["Dsp:Agents:Replay:LatencyScale"] = "0.01",
            ["Dsp:Plans:CancellationPollInterval"] = "00:00:00.005",
        }).Build();
        await using var planner = await InProcessPlanner.StartAsync(configuration, services => services.AddInMemoryStores());
        var id = await planner.StartPlanAsync(new PlanInput(trace.Task, 0.5f, 0, trace.Steps.Count, "exact", "default", trace.Id));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await planner.WaitAsync(id, timeout.Token);
    }

    [Fact]
    public async Task A_failing_drafter_falls_back_to_the_target_and_the_plan_stays_the_targets()
    {
        await using var server = await FakeOpenAIServer.StartAsync(Script);
        await using var planner = await InProcessPlanner.StartAsync(Configuration(server), services => services.AddInMemoryStores());

        var id = await planner.StartPlanAsync(new PlanInput(Live.Task, 0.5f, 1, 20, "exact", "flaky"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await planner.WaitAsync(id, timeout.Token);

        Assert.Equal(PlanOutcomes.Completed, result.Outcome);
        Assert.Equal(TargetPlan, result.Plan);
        Assert.Contains(server.Requests, r => r.Deployment == "broken-drafter");
    }

    [Fact]
    public async Task A_failing_target_fails_the_plan_with_the_cause()
    {
        await using var server = await FakeOpenAIServer.StartAsync(request => request.Deployment == "target"
            ? Reply.Error(401, "Access denied due to invalid subscription key.")
            : Script(request));
        await using var planner = await InProcessPlanner.StartAsync(Configuration(server), services => services.AddInMemoryStores());

        var id = await planner.StartPlanAsync(new PlanInput(Live.Task, 0.5f, 1, 20, "exact", "default"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await planner.WaitAsync(id, timeout.Token);

        Assert.Equal(PlanOutcomes.Failed, result.Outcome);
        Assert.Contains("Authentication to 'target'", result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{0}"), result.Plan.Count.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Without_live_profiles_the_app_keeps_the_replay_default()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dsp:Agents:Replay:Traces:0"] = Path.Combine(AppContext.BaseDirectory, "traces", "openagi-gpt4turbo.jsonl"),
        }).Build();
        await using var planner = await InProcessPlanner.StartAsync(configuration, services => services.AddInMemoryStores());

        var profiles = planner.Services.GetRequiredService<IAgentProfiles>();

        Assert.IsType<ReplayProfiles>(profiles);
        Assert.Equal(["default"], profiles.Names);
    }
}
