using System.Diagnostics.Tracing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Core.Diagnostics;
using Dsp.Core.Runs;
using Dsp.Functions.Http;
using Dsp.Functions.Planning;
using Dsp.Functions.Policy;
using Dsp.Functions.Tests;
using Dsp.Hosting;
using Dsp.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dsp.Reliability.Tests;

/// <summary>
/// No secret reaches a log, an error, a result or an HTTP answer. Full plans run with live agents whose API key is a
/// distinctive secret, on Table and Blob Storage (the running Azurite) reached through a connection string that
/// carries the account key, while every log entry of every logger is captured at Trace level (and the Azure SDK's
/// own event source at Verbose): plans that succeed through retried faults, a plan whose model answers 401 quoting
/// the key back, a retraining and a plan on the trained policy, refused requests, and a planner whose account key is
/// wrong so that every storage request fails. Storage is an Azurite of the test's own.
/// </summary>
public class SecretsTests
{
    private const string ApiKey = "sk-dsp-SECRET-4f9c2e7a1b3d5f60-do-not-log";

    /// <summary>Azurite's well-known account key: public, but here it stands for the account key of a real deployment.</summary>
    private const string AccountKey = PrivateAzurite.AccountKey;

    private static readonly string WrongAccountKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));

    private static readonly string[] RefusedDeployments = ["locked-drafter", "locked-target"];

    /// <summary>Each secret as it could appear: as configured, and URL-encoded (as in a logged URI).</summary>
    private static IEnumerable<(string Name, string Value)> Secrets(PrivateAzurite azurite) =>
        new[] { ("API key", ApiKey), ("account key", AccountKey), ("wrong account key", WrongAccountKey) }
            .SelectMany(s => new[] { s, (s.Item1 + ", URL-encoded", Uri.EscapeDataString(s.Item2)) })
            .Append(("connection string", azurite.ConnectionString()))
            .Append(("wrong connection string", azurite.ConnectionString(accountKey: WrongAccountKey)));

    [Fact]
    public async Task No_API_key_account_key_or_connection_string_appears_in_logs_errors_results_or_HTTP_answers()
    {
        var logs = new LogCapture();
        var seen = new List<(string Where, string Text)>();
        var sdkEvents = new List<string>();
        using var sdkListener = new AzureEventSourceListener((e, message) =>
        {
            lock (sdkEvents)
            {
                sdkEvents.Add($"{e.EventSource.Name} {e.EventName}: {message}");
            }
        }, EventLevel.Verbose);
        var faults = new FaultOptions { FailureShare = 0.3, RetryAfterSeconds = 0, RefusedDeployments = RefusedDeployments.ToHashSet() };
        await using var server = await FaultyOpenAIServer.StartAsync(faults, Harness.Answer);
        await using var azurite = await PrivateAzurite.StartAsync();

        await using (var planner = await StartPlannerAsync(server, azurite.ConnectionString(), logs))
        {
            var api = ActivatorUtilities.CreateInstance<PlansApi>(planner.Services);
            async Task<(string Id, PlanResult Result)> PlanAsync(string body)
            {
                var accepted = Assert.IsType<PlanAcceptedResult>(await api.StartPlan(Request(body), planner.Client, default));
                seen.Add(("POST /api/plans", Json(accepted.Value) + accepted.Location));
                var id = Assert.IsType<PlanAccepted>(accepted.Value).Id;
                var result = await planner.WaitAsync(id);
                seen.Add(($"GET /api/plans/{id}", Json(Assert.IsType<OkObjectResult>(await api.GetPlan(Request(""), planner.Client, id, default)).Value)));
                return (id, result);
            }

            var plans = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => PlanAsync(Body(Harness.Task(i)))));
            var locked = await PlanAsync(Body(Harness.Task(4), "locked"));
            var retrain = await ActivatorUtilities.CreateInstance<RetrainPolicyFunction>(planner.Services).RetrainPolicy(new TimerInfo(), default);
            var onPolicy = await PlanAsync(Body(Harness.Task(5)));
            seen.Add(("GET /api/policy", Json(Assert.IsType<OkObjectResult>(await ActivatorUtilities.CreateInstance<PolicyApi>(planner.Services).GetPolicy(Request(""), default)).Value)));
            seen.Add(("POST /api/plans (invalid)", Json(Assert.IsType<BadRequestObjectResult>(await api.StartPlan(Request("""{"task": 1, "agents": "nobody"}"""), planner.Client, default)).Value)));
            seen.Add(("GET /api/plans (unknown)", Json(Assert.IsType<ObjectResult>(await api.GetPlan(Request(""), planner.Client, "no-such-plan", default)).Value)));
            seen.Add(("POST /api/plans/{id}/cancel (finished)", Json(Assert.IsType<ObjectResult>(await api.CancelPlan(Request(""), planner.Client, onPolicy.Id, default)).Value)));
            await foreach (var instance in planner.Client.GetAllInstancesAsync(new OrchestrationQuery { FetchInputsAndOutputs = true }))
            {
                seen.Add(($"orchestration {instance.InstanceId}", Describe(instance)));
            }

            // The run went where secrets leak: retried faults, a 401, a training; and it worked.
            Assert.All(plans, p => Assert.Equal(PlanOutcomes.Completed, p.Result.Outcome));
            Assert.True(server.FaultsInjected > 0, "no fault was injected");
            Assert.Equal(PlanOutcomes.Failed, locked.Result.Outcome);
            Assert.Contains("(401)", locked.Result.Error, StringComparison.Ordinal);
            Assert.Equal(RetrainResult.Published, retrain.Result);
            Assert.Equal(1, onPolicy.Result.Run.PolicyVersion);
        }

        // The same app with a wrong account key: every storage request is refused.
        await using (var broken = await StartPlannerAsync(server, azurite.ConnectionString(accountKey: WrongAccountKey), logs))
        {
            // Planning goes on without storage (cancellation checks and the policy refresh are logged and skipped);
            // recording the run fails, after the orchestrator's retries, and the plan says why.
            var id = await broken.StartPlanAsync(new PlanInput(Harness.Task(6), 0.5f, 0, 20, "exact", "default"));
            var result = await broken.WaitAsync(id);
            seen.Add(("plan on a refused account", Json(result)));
            var status = Assert.IsType<PlanStatus>(Assert.IsType<OkObjectResult>(
                await ActivatorUtilities.CreateInstance<PlansApi>(broken.Services).GetPlan(Request(""), broken.Client, id, default)).Value);
            seen.Add(($"GET /api/plans/{id} (refused account)", Json(status)));
            var policyError = await Assert.ThrowsAnyAsync<Exception>(() => ActivatorUtilities.CreateInstance<PolicyApi>(broken.Services).GetPolicy(Request(""), default));
            seen.Add(("GET /api/policy on a refused account", policyError.ToString()));
            seen.Add(($"orchestration {id}", Describe((await broken.Client.GetInstanceAsync(id, getInputsAndOutputs: true))!)));

            Assert.Equal(PlanOutcomes.Completed, result.Outcome);
            Assert.Contains("403", result.RecordError, StringComparison.Ordinal);
            Assert.Equal(result.RecordError, status.Result?.RecordError);
        }

        var entries = logs.Entries;
        string[] sdk;
        lock (sdkEvents)
        {
            sdk = [.. sdkEvents];
        }

        Assert.Contains(entries, e => e.Level <= LogLevel.Debug);
        Assert.NotEmpty(sdk);
        Assert.Contains(entries, e => e.Message.Contains("(401)", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Exception?.Contains("AuthorizationFailure", StringComparison.Ordinal) == true);
        seen.AddRange(entries.Select(e => ($"log {e}", e.Text)));
        seen.AddRange(sdk.Select(e => ("Azure SDK event", e)));
        foreach (var (name, value) in Secrets(azurite))
        {
            var leak = seen.FirstOrDefault(s => s.Text.Contains(value, StringComparison.Ordinal));
            Assert.True(leak.Where is null, $"The {name} appears in {leak.Where}:\n{leak.Text}");
        }
    }

    private static async Task<InProcessPlanner> StartPlannerAsync(FaultyOpenAIServer server, string connectionString, LogCapture logs)
    {
        var configuration = new ConfigurationBuilder()
            .AddConfiguration(Harness.Configuration(server.Endpoint))
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Dsp:OpenAI:ApiKey"] = ApiKey,
                ["Dsp:Agents:Profiles:locked:Draft:Deployment"] = RefusedDeployments[0],
                ["Dsp:Agents:Profiles:locked:Draft:Model"] = "gpt-4.1-mini",
                ["Dsp:Agents:Profiles:locked:Target:Deployment"] = RefusedDeployments[1],
                ["Dsp:Agents:Profiles:locked:Target:Model"] = "gpt-4.1",
                ["Dsp:Storage:ConnectionString"] = connectionString,
                ["Dsp:Storage:MaxRetries"] = "1",
                ["Dsp:Storage:RetryDelay"] = "00:00:00.100",
            })
            .Build();
        return await InProcessPlanner.StartAsync(
            configuration,
            services => services.AddDspStorage(configuration),
            services => services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs)));
    }

    private static string Body(string task, string agents = "default") =>
        JsonSerializer.Serialize(new { task, agents, tradeoff = 0.5, offset = 1 });

    private static HttpRequest Request(string body) => HttpRequests.Create(body);

    private static string Json(object? value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    private static string Describe(OrchestrationMetadata instance)
    {
        var text = new StringBuilder()
            .AppendLine(instance.SerializedInput)
            .AppendLine(instance.SerializedOutput)
            .AppendLine(instance.SerializedCustomStatus);
        for (var failure = instance.FailureDetails; failure is not null; failure = failure.InnerFailure)
        {
            text.AppendLine(failure.ErrorType).AppendLine(failure.ErrorMessage).AppendLine(failure.StackTrace);
        }

        return text.ToString();
    }
}
