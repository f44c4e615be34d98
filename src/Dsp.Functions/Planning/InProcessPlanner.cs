using Dsp.Core.Runs;
using Microsoft.AspNetCore.Connections;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dsp.Functions.Planning;

/// <summary>
/// The plan orchestrator and activities of the Functions app, hosted in this process on the in-process durable
/// host: how <c>dsp plan</c> runs plans where the Functions host is not installed, and how the tests run them.
/// </summary>
/// <remarks>
/// The in-process host runs at most <see cref="Environment.ProcessorCount"/> activities at once and waits 500 ms
/// when they are all busy; speculative planning runs many calls at once, so run it with
/// <c>DOTNET_PROCESSOR_COUNT</c> raised (e.g. 64).
/// </remarks>
public sealed class InProcessPlanner : IAsyncDisposable
{
    private const string SidecarLogLevel = "Logging__LogLevel__Default";

    private readonly DurableTaskTestHost _host;

    private InProcessPlanner(DurableTaskTestHost host, ServiceProvider services)
    {
        _host = host;
        Services = services;
    }

    /// <summary>The app's services: stores, agents, policy.</summary>
    public ServiceProvider Services { get; }

    public DurableTaskClient Client => _host.Client;

    /// <summary>Starts the host with the app's services from <paramref name="configuration"/>.</summary>
    /// <param name="configuration">The app's settings (<c>Dsp:*</c>).</param>
    /// <param name="addStores">Registers the stores (in memory, or Azure Storage).</param>
    /// <param name="configureServices">Further registrations, e.g. other agent profiles.</param>
    public static async Task<InProcessPlanner> StartAsync(
        IConfiguration configuration,
        Action<IServiceCollection> addStores,
        Action<IServiceCollection>? configureServices = null)
    {
        // The host's gRPC sidecar logs every call at Information through the default host configuration,
        // which reads environment variables: keep it to warnings unless the user chose otherwise.
        if (Environment.GetEnvironmentVariable(SidecarLogLevel) is null)
        {
            Environment.SetEnvironmentVariable(SidecarLogLevel, "Warning");
        }

        var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton(configuration);
        configureServices?.Invoke(services);
        addStores(services);
        var provider = services
            .AddDspPlanning(configuration)
            .AddTransient<PlanActivities>()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        return new InProcessPlanner(await StartHostAsync(provider), provider);
    }

    /// <summary>
    /// Starts the durable host. It listens on a random port from 30000-40000 without checking that it is free, so a
    /// port another process holds (a host of its own, a client connection's local port) is met by trying again.
    /// </summary>
    private static async Task<DurableTaskTestHost> StartHostAsync(ServiceProvider provider)
    {
        const int Attempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await DurableTaskTestHost.StartAsync(
                    registry => registry.AddPlanTasks(provider),
                    new DurableTaskTestHostOptions { LoggerFactory = provider.GetRequiredService<ILoggerFactory>() });
            }
            catch (IOException e) when (e.InnerException is AddressInUseException && attempt < Attempts)
            {
                // Another random port next time.
            }
        }
    }

    /// <summary>Starts a plan; returns its id.</summary>
    public Task<string> StartPlanAsync(PlanInput input, CancellationToken cancellationToken = default) =>
        Client.ScheduleNewOrchestrationInstanceAsync(nameof(SpeculativePlanOrchestrator), input, cancellationToken);

    /// <summary>Waits for a plan to finish and returns its result; throws when the orchestration itself failed.</summary>
    public async Task<PlanResult> WaitAsync(string id, CancellationToken cancellationToken = default)
    {
        var instance = await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cancellationToken);
        return instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed
            ? instance.ReadOutputAs<PlanResult>()!
            : throw new InvalidOperationException($"Plan {id} ended {instance.RuntimeStatus}: {instance.FailureDetails?.ErrorMessage}");
    }

    /// <summary>Stops a running plan and its in-flight calls, as <c>POST /api/plans/{id}/cancel</c> does.</summary>
    public async Task StopAsync(string id, string reason, CancellationToken cancellationToken = default)
    {
        await Services.GetRequiredService<ICancellationStore>().CancelRunAsync(id, cancellationToken);
        await Client.RaiseEventAsync(id, SpeculativePlanOrchestrator.StopEvent, reason, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await Services.DisposeAsync();
    }
}
