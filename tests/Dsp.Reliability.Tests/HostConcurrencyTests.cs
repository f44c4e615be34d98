using System.Globalization;
using Dsp.Core.Policy;
using Dsp.Functions;
using Dsp.Functions.Planning;
using Dsp.Hosting;
using Xunit.Abstractions;

namespace Dsp.Reliability.Tests;

/// <summary>
/// host.json's activity concurrency, on the Azure Storage provider over Azurite. A deep round keeps a draft and several
/// targets in flight per plan, and a cancelled branch holds its activity until its next cancellation poll: a worker
/// held to the extension's default of 10 activities (Flex Consumption) runs no more than 10 model calls at once, and
/// the rest of a round waits in the queue.
/// </summary>
public class HostConcurrencyTests(ITestOutputHelper output)
{
    private const int Plans = 8;
    private const int ExtensionDefault = 10;

    private static readonly FaultOptions Models = new()
    {
        FailureShare = 0,
        DefaultFirstChunkDelay = TimeSpan.FromMilliseconds(150),
        FirstChunkDelay = new Dictionary<string, TimeSpan> { ["target"] = TimeSpan.FromMilliseconds(800) },
    };

    [Fact]
    public async Task A_worker_with_host_jsons_settings_runs_more_model_calls_at_once_than_the_extensions_default_of_10()
    {
        await using var azurite = await PrivateAzurite.StartAsync();
        var hostJson = new AzureStorageDurableOptions().MaxConcurrentActivities; // host.json's value (tested above)

        var (cappedPeak, cappedWall) = await PlanAsync(azurite, ExtensionDefault);
        var (peak, wall) = await PlanAsync(azurite, hostJson);

        Assert.InRange(cappedPeak, 1, ExtensionDefault);
        Assert.True(peak > ExtensionDefault, $"{peak} model calls at once at most with {hostJson} activities per worker");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Plans} plans at once, dsp at depth ≥ 5: at most {cappedPeak} model calls at once with {ExtensionDefault} activities per worker (wall {cappedWall.TotalSeconds:0.0} s), {peak} with host.json's {hostJson} (wall {wall.TotalSeconds:0.0} s)"));
    }

    private static async Task<(int Peak, TimeSpan Wall)> PlanAsync(PrivateAzurite azurite, int maxConcurrentActivities)
    {
        await using var server = await FaultyOpenAIServer.StartAsync(Models, Harness.Answer);
        var provider = new AzureStorageDurableOptions
        {
            TaskHubName = "c" + Guid.NewGuid().ToString("N")[..12],
            MaxConcurrentActivities = maxConcurrentActivities,
            MaxQueuePollingInterval = TimeSpan.FromMilliseconds(500),
        };
        await using var planner = await InProcessPlanner.StartAsync(
            Harness.Configuration(server.Endpoint), services => services.AddInMemoryStores(), backend: new AzureStorageDurableBackend(azurite.ConnectionString(), provider));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));

        var batch = await PlanBatch.RunAsync(
            planner, Enumerable.Range(0, Plans), Plans, timeout.Token,
            inputOf: number => new PlanInput(Harness.Task(number), 0.9f, 5, 20, "exact", "default", Policy: PolicyNames.Dsp));

        batch.AssertAllCompletedLosslessly();
        return (server.PeakInFlight, batch.Wall);
    }
}
