using System.Diagnostics;
using System.Text.Json;

namespace Dsp.Functions.Tests;

/// <summary>What <c>dotnet publish</c> gives the Functions host.</summary>
public class PublishTests
{
    [Fact]
    public async Task Publish_lists_every_function_with_its_trigger_and_function_key_auth_and_deploys_no_local_hosting()
    {
        var root = RepositoryRoot();
        var output = Directory.CreateTempSubdirectory("dsp-publish-");
        try
        {
            var publish = Process.Start(new ProcessStartInfo("dotnet",
                ["publish", Path.Combine(root, "src", "Dsp.Functions", "Dsp.Functions.csproj"), "-c", "Release", "-o", output.FullName, "--nologo", "-v", "quiet"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var log = await publish.StandardOutput.ReadToEndAsync() + await publish.StandardError.ReadToEndAsync();
            await publish.WaitForExitAsync();
            Assert.True(publish.ExitCode == 0, log);

            using var metadata = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output.FullName, "functions.metadata")));
            var functions = metadata.RootElement.EnumerateArray().ToDictionary(
                f => f.GetProperty("name").GetString()!,
                f => f.GetProperty("bindings").EnumerateArray().ToList());

            Assert.Equal(
                ["CancelBranches", "CancelPlan", "Draft", "GetOpenApiDocument", "GetPlan", "GetPolicy", "PutPlan", "RecordRun", "RetrainPolicy", "SavePlanContent", "SpeculativePlanOrchestrator", "StartPlan", "Target"],
                functions.Keys.Order());
            Assert.Equal("orchestrationTrigger", Trigger(functions["SpeculativePlanOrchestrator"]));
            Assert.Equal("timerTrigger", Trigger(functions["RetrainPolicy"]));
            // A flat app setting the host itself resolves (https://github.com/Azure/azure-functions-host/issues/8649).
            var schedule = functions["RetrainPolicy"][0].GetProperty("schedule").GetString()!;
            Assert.Equal("%DSP_RETRAIN_SCHEDULE%", schedule);
            Assert.DoesNotContain(":", schedule, StringComparison.Ordinal);
            Assert.DoesNotContain("__", schedule, StringComparison.Ordinal);
            foreach (var activity in new[] { "Draft", "Target", "CancelBranches", "SavePlanContent", "RecordRun" })
            {
                Assert.Equal("activityTrigger", Trigger(functions[activity]));
            }

            foreach (var http in new[] { "StartPlan", "PutPlan", "GetPlan", "CancelPlan", "GetPolicy" })
            {
                Assert.Equal("httpTrigger", Trigger(functions[http]));
                Assert.Equal("Function", functions[http][0].GetProperty("authLevel").GetString(), ignoreCase: true);
            }

            Assert.Equal("httpTrigger", Trigger(functions["GetOpenApiDocument"]));
            Assert.Equal("Anonymous", functions["GetOpenApiDocument"][0].GetProperty("authLevel").GetString(), ignoreCase: true);

            Assert.True(File.Exists(Path.Combine(output.FullName, "host.json")));
            Assert.True(File.Exists(Path.Combine(output.FullName, "extensions.json")));
            Assert.False(File.Exists(Path.Combine(output.FullName, "local.settings.sample.json")));

            // Local durable hosting (Dsp.Hosting: the preview test host and its gRPC server) is not deployed.
            foreach (var local in new[] { "Dsp.Hosting.dll", "Microsoft.DurableTask.InProcessTestHost.dll", "Grpc.AspNetCore.Server.dll" })
            {
                Assert.False(File.Exists(Path.Combine(output.FullName, local)), local);
            }

            Assert.DoesNotContain("warning", log, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static string Trigger(List<JsonElement> bindings) => bindings[0].GetProperty("type").GetString()!;

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Dsp.Functions.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found above the test output.");
    }
}
