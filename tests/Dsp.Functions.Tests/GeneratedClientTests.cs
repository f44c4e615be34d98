using System.Diagnostics;
using System.Globalization;
using Dsp.Client;
using Dsp.Client.Models;
using Dsp.Core.Simulation;
using Dsp.Core.Traces;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;

namespace Dsp.Functions.Tests;

/// <summary>
/// The C# client Kiota generates from openapi.json (committed under <c>Client/</c>), used as a team would use it, over
/// real loopback HTTP against the app's functions; and a check that it is what Kiota makes of the document today.
/// </summary>
public sealed class GeneratedClientTests : IAsyncLifetime
{
    private static readonly AgentTrace Trace = TraceReader.ReadFile(PlanHost.BundledTraces)[0];

    private LoopbackApi _api = null!;

    // A plan takes a few seconds at this speed: long enough to poll and to cancel.
    public async Task InitializeAsync() => _api = await LoopbackApi.StartAsync(latencyScale: 0.05);

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private DspClient Client(string key = FunctionsLoopbackServer.FunctionKey)
    {
        var keyAuth = new ApiKeyAuthenticationProvider(key, FunctionsLoopbackServer.KeyHeader, ApiKeyAuthenticationProvider.KeyLocation.Header);
        var http = KiotaClientFactory.Create(_api.Server.CreateHandler());
        return new DspClient(new HttpClientRequestAdapter(keyAuth, httpClient: http) { BaseUrl = _api.Server.ApiAddress.ToString().TrimEnd('/') });
    }

    [Fact]
    public async Task The_generated_client_starts_follows_reads_and_cancels_plans_and_reports_field_errors()
    {
        var client = Client();

        // Start a plan, and follow it to its end as a long-running operation: wait Retry-After, ask again.
        var started = await client.Plans.PostAsync(new PlanRequest { Task = Trace.Task, Offset = 1 });
        var (finished, waits) = await FollowAsync(client, started!.Id!);
        Assert.Equal(PlanStatus_status.Completed, finished.Status);
        Assert.NotEmpty(waits);
        Assert.All(waits, wait => Assert.InRange(wait, 1, 30));

        // Read the plan.
        var result = finished.Result!;
        Assert.Equal(PlanResult_outcome.Completed, result.Outcome);
        Assert.Equal(TraceSimulator.TargetPlan(Trace), result.Plan);
        Assert.Equal(started.Id, result.Run!.RunId);
        Assert.True(result.Run.Lossless);
        Assert.Equal(result.Calls!.Count, result.Run.Calls);
        Assert.Contains(result.Calls, c => c.Call!.Role == CallKey_role.Draft);
        Assert.Contains(result.Calls, c => c.Call!.Role == CallKey_role.Target);

        // Start another and cancel it.
        var doomed = await client.Plans.PostAsync(new PlanRequest { Task = Trace.Task, Offset = 3 });
        var cancelling = await client.Plans[doomed!.Id].Cancel.PostAsync();
        Assert.Equal(PlanCancelling_status.Stopping, cancelling!.Status);
        var (stopped, _) = await FollowAsync(client, doomed.Id!);
        Assert.Equal(PlanResult_outcome.Stopped, stopped.Result!.Outcome);

        // A bad request: 400 with the errors by field.
        var invalid = await Assert.ThrowsAsync<ValidationProblemDetails>(() =>
            client.Plans.PostAsync(new PlanRequest { Task = Trace.Task, Tradeoff = 1.5f, MaxSteps = 0 }));
        Assert.Equal(400, invalid.ResponseStatusCode);
        Assert.Equal(["maxSteps", "tradeoff"], invalid.Errors!.AdditionalData.Keys.Order());
    }

    [Fact]
    public async Task The_generated_client_puts_a_plan_once_and_reads_conflicts_and_unknown_plans_as_problems()
    {
        var client = Client();
        var request = new PlanRequest { Task = Trace.Task };

        var first = await client.Plans["client-chosen-id"].PutAsync(request);
        var again = await client.Plans["client-chosen-id"].PutAsync(request);
        var conflict = await Assert.ThrowsAsync<ProblemDetails>(() => client.Plans["client-chosen-id"].PutAsync(new PlanRequest { Task = Trace.Task, Offset = 2 }));
        var unknown = await Assert.ThrowsAsync<ProblemDetails>(() => client.Plans["no-such-plan"].GetAsync());
        var policy = await client.Policy.GetAsync();

        Assert.Equal(("client-chosen-id", first!.StatusUri), (again!.Id, again.StatusUri));
        Assert.Equal((409, 409), (conflict.ResponseStatusCode, conflict.Status));
        Assert.Equal(404, unknown.ResponseStatusCode);
        Assert.Contains("no-such-plan", unknown.Detail, StringComparison.Ordinal);
        Assert.Equal(0, policy!.Version);
        Assert.Single(await _api.Host.Client.GetAllInstancesAsync().ToListAsync());
    }

    [Fact]
    public async Task Without_the_function_key_the_client_gets_401()
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => Client(key: "wrong").Policy.GetAsync());

        Assert.Equal(401, error.ResponseStatusCode);
    }

    [Fact]
    public async Task The_committed_client_is_what_kiota_generates_from_the_document()
    {
        var root = PublishTests.RepositoryRoot();
        var committed = Path.Combine(root, "tests", "Dsp.Functions.Tests", "Client");
        var fresh = Directory.CreateTempSubdirectory("dsp-client-");
        try
        {
            await DotnetAsync(root, "tool", "restore");
            await DotnetAsync(root, "kiota", "generate", "-l", "CSharp", "-d", OpenApiDocumentTests.DocumentPath, "-o", fresh.FullName, "-n", "Dsp.Client", "-c", "DspClient");

            Assert.Equal(Files(committed).Keys, Files(fresh.FullName).Keys);
            foreach (var (name, text) in Files(fresh.FullName))
            {
                Assert.True(text == Files(committed)[name], $"Client/{name} differs from what Kiota generates: run the command in the README's API section.");
            }
        }
        finally
        {
            fresh.Delete(recursive: true);
        }
    }

    /// <summary>Asks for the plan until it has finished, waiting what each answer's Retry-After says in between.</summary>
    private static async Task<(PlanStatus Status, List<int> Waits)> FollowAsync(DspClient client, string id)
    {
        var waits = new List<int>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (true)
        {
            var headers = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
            var status = await client.Plans[id].GetAsync(config => config.Options.Add(headers), timeout.Token);
            if (!headers.ResponseHeaders.TryGetValue("Retry-After", out var retryAfter))
            {
                // 200: finished. Only a running plan's status (202) says when to ask again.
                Assert.NotEqual(PlanStatus_status.Running, status!.Status);
                return (status, waits);
            }

            var seconds = int.Parse(Assert.Single(retryAfter), CultureInfo.InvariantCulture);
            waits.Add(seconds);
            await Task.Delay(TimeSpan.FromSeconds(seconds), timeout.Token);
        }
    }

    /// <summary>The generated files by relative path, lock file's machine-specific description path left out.</summary>
    private static SortedDictionary<string, string> Files(string directory) => new(
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != ".kiota.log")
            .ToDictionary(
                f => Path.GetRelativePath(directory, f).Replace('\\', '/'),
                f => string.Join('\n', File.ReadAllLines(f).Where(line => !line.Contains("\"descriptionLocation\"", StringComparison.Ordinal)))),
        StringComparer.Ordinal);

    private static async Task DotnetAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["KIOTA_OFFLINE_ENABLED"] = "true"; // no update check against GitHub
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed: {await output}{await error}");
    }
}
