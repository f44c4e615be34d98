using System.Diagnostics;
using Dsp.Core.Agents;
using Dsp.Core.Policy;
using Dsp.Functions;
using Dsp.Functions.Planning;
using Dsp.Hosting;
using Microsoft.Extensions.Configuration;

namespace Dsp.Agents.Tests;

/// <summary>Retries are counted on the <c>dsp.model.retries</c> metric, in each call's usage, and on the plan's spans.</summary>
public class RetryTelemetryTests
{
    private static readonly Dictionary<string, string> RetryNow = new() { ["retry-after-ms"] = "0" };

    [Fact]
    public async Task Each_retry_is_counted_by_deployment_and_reason_and_in_the_calls_usage()
    {
        using var retries = new RetryRecorder("retried-target");
        var requests = 0;
        await using var server = await FakeOpenAIServer.StartAsync(_ => Interlocked.Increment(ref requests) switch
        {
            1 => Reply.Error(429, "Rate limit is exceeded.", "429", RetryNow),
            2 => Reply.Error(503, "Busy."),
            _ => Reply.Say("Image Deblurring"),
        });
        var profile = Live.Profile(Live.Connection(server), targetDeployment: "retried-target");

        var result = await profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None);

        Assert.Equal("Image Deblurring", result.Step);
        Assert.Equal(2, result.Usage.Retries);
        Assert.Equal(["429", "503"], retries.Reasons);
    }

    [Fact]
    public async Task A_call_that_fails_after_its_retries_reports_them()
    {
        using var retries = new RetryRecorder("failing-target");
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Error(500, "The server had an error while processing your request."));
        var profile = Live.Profile(Live.Connection(server), targetDeployment: "failing-target");

        var e = await Assert.ThrowsAsync<AgentException>(() => profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None));

        Assert.Equal(2, e.Retries);
        Assert.Equal(["500", "500"], retries.Reasons);
    }

    [Fact]
    public async Task An_attempt_that_times_out_is_retried_for_the_reason_timeout()
    {
        using var retries = new RetryRecorder("slow-target");
        await using var server = await FakeOpenAIServer.StartAsync(_ => new Reply.Stream("Image Deblurring") { FirstChunkDelay = TimeSpan.FromSeconds(5) });
        var connection = Live.Connection(server);
        connection.AttemptTimeout = TimeSpan.FromMilliseconds(200);
        connection.MaxAttempts = 2;
        var profile = Live.Profile(connection, targetDeployment: "slow-target");

        var e = await Assert.ThrowsAsync<AgentException>(() => profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None));

        Assert.Equal(1, e.Retries);
        Assert.Equal(["timeout"], retries.Reasons);
    }

    [Fact]
    public async Task A_step_that_fails_after_a_retried_call_reports_the_retries_of_all_its_calls()
    {
        // react: the thought call is retried once; the action call then answers no action.
        var requests = 0;
        await using var server = await FakeOpenAIServer.StartAsync(request => Interlocked.Increment(ref requests) == 1
            ? Reply.Error(429, "Rate limit is exceeded.", "429", RetryNow)
            : Reply.Say(request.AllMessages.Any(m => m.Role == "assistant") ? "I would rather not say.\nNo action." : "Deblur first."));
        var profile = Live.Profile(Live.Connection(server), targetStrategy: Strategies.React, targetDeployment: "react-target");

        var e = await Assert.ThrowsAsync<AgentException>(() => profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None));

        Assert.Contains("no 'Action:' line", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, e.Retries);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task A_plans_retries_reach_its_run_its_plan_span_and_its_call_spans()
    {
        string[] targetPlan = ["Image Deblurring", "Image Denoising", "TERMINATE"];
        using var spans = new SpanRecorder();
        using var retries = new RetryRecorder("e2e-broken-drafter");
        // Each step's target answers once the draft of its round has failed: a target answering first would cancel
        // that draft while it waits to retry, and the plan would hold no failed call.
        await using var server = await FakeOpenAIServer.StartAsync(request => request.Deployment == "e2e-broken-drafter"
            ? Reply.Error(500, "The server had an error.")
            : new Reply.Stream(targetPlan[Math.Min(request.AskedStep - 1, targetPlan.Length - 1)])
            {
                HoldUntil = spans.WhenStopped(span => span.OperationName == "dsp.call"
                    && Equals(span.GetTagItem("dsp.deployment"), "e2e-broken-drafter")
                    && Equals(span.GetTagItem("dsp.position"), request.AskedStep - 1)),
            });
        await using var planner = await InProcessPlanner.StartAsync(Configuration(server), services => services.AddInMemoryStores());

        // dsp with β = 1 drafts at least once in every round.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var input = new PlanInput(Live.Task, 0.5f, 1, 20, "exact", "default", Policy: PolicyNames.Dsp);
        var result = await planner.WaitAsync(await planner.StartPlanAsync(input), timeout.Token);

        // Every draft fails after one retry and the target plans alone.
        Assert.Equal(PlanOutcomes.Completed, result.Outcome);
        Assert.Equal(targetPlan, result.Plan);
        var run = result.Run;
        Assert.True(run.Retries > 0);
        Assert.Equal(result.Calls.Sum(c => c.Usage.Retries), run.Retries);
        Assert.Equal(run.Retries, retries.Reasons.Count);
        Assert.All(retries.Reasons, reason => Assert.Equal("500", reason));
        Assert.Equal(run.Retries, Assert.Single(spans.OfRun(run.RunId, "dsp.plan")).GetTagItem("dsp.plan.retries"));
        var calls = spans.OfRun(run.RunId, "dsp.call");
        Assert.Equal(run.Retries, calls.Sum(span => (int)span.GetTagItem("dsp.call.retries")!));
        var failed = calls.Where(span => span.GetTagItem("dsp.call.outcome") is "failed").ToList();
        Assert.NotEmpty(failed);
        Assert.All(failed, span =>
        {
            Assert.Equal("e2e-broken-drafter", span.GetTagItem("dsp.deployment"));
            Assert.Equal(1, span.GetTagItem("dsp.call.retries"));
            Assert.Equal(ActivityStatusCode.Error, span.Status);
            Assert.Contains("answered 500 after 2 attempts", span.StatusDescription, StringComparison.Ordinal);
        });
        Assert.All(calls.Where(span => span.GetTagItem("dsp.role") is "target"), span => Assert.Equal("target", span.GetTagItem("dsp.deployment")));
    }

    private static IConfiguration Configuration(FakeOpenAIServer server)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Dsp:OpenAI:Endpoint"] = server.Endpoint.ToString(),
            ["Dsp:OpenAI:ApiKey"] = "test-key",
            ["Dsp:OpenAI:MaxAttempts"] = "2",
            ["Dsp:OpenAI:BaseDelay"] = "00:00:00.010",
            ["Dsp:Agents:Profiles:default:Draft:Deployment"] = "e2e-broken-drafter",
            ["Dsp:Agents:Profiles:default:Draft:Model"] = "gpt-4.1-mini",
            ["Dsp:Agents:Profiles:default:Target:Deployment"] = "target",
            ["Dsp:Agents:Profiles:default:Target:Model"] = "gpt-4.1",
            ["Dsp:Plans:CancellationPollInterval"] = "00:00:00.005",
            ["Dsp:Policy:RefreshInterval"] = "00:00:00",
        };
        for (var i = 0; i < Live.Tools.Length; i++)
        {
            settings[$"Dsp:Agents:Profiles:default:AllowedActions:{i}"] = Live.Tools[i];
        }

        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }
}
