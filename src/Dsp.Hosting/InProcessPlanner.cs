using Dsp.Core.Runs;
using Dsp.Functions;
using Dsp.Functions.Planning;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dsp.Hosting;

/// <summary>
/// The plan orchestrator and activities of the Functions app, hosted in this process on a durable backend: how
/// <c>dsp plan</c> runs plans where the Functions host is not installed, and how the tests run them.
/// </summary>
public sealed class InProcessPlanner : IAsyncDisposable
{
    private readonly IDurableHost _host;

    private InProcessPlanner(IDurableHost host, ServiceProvider services)
    {
        _host = host;
        Services = services;
    }

    /// <summary>The app's services: stores, agents, policy.</summary>
    public ServiceProvider Services { get; }

    public DurableTaskClient Client => _host.Client;

    /// <summary>Starts the app's services from <paramref name="configuration"/> and a worker on <paramref name="backend"/>.</summary>
    /// <param name="configuration">The app's settings (<c>Dsp:*</c>).</param>
    /// <param name="addStores">Registers the stores (in memory, or Azure Storage).</param>
    /// <param name="configureServices">Further registrations, e.g. other agent profiles.</param>
    /// <param name="backend">Where orchestration history lives [default: <see cref="InMemoryDurableBackend"/>].</param>
    public static async Task<InProcessPlanner> StartAsync(
        IConfiguration configuration,
        Action<IServiceCollection> addStores,
        Action<IServiceCollection>? configureServices = null,
        IDurableBackend? backend = null)
    {
        var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton(configuration);
        configureServices?.Invoke(services);
        addStores(services);
        var provider = services
            .AddDspPlanning(configuration)
            .AddTransient<PlanActivities>()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        try
        {
            var host = await (backend ?? new InMemoryDurableBackend()).StartAsync(
                registry => registry.AddPlanTasks(provider), provider.GetRequiredService<ILoggerFactory>());
            return new InProcessPlanner(host, provider);
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a plan; returns its id.</summary>
    public Task<string> StartPlanAsync(PlanInput input, CancellationToken cancellationToken = default) =>
        Client.ScheduleNewOrchestrationInstanceAsync(nameof(SpeculativePlanOrchestrator), input, cancellationToken);

    /// <summary>Waits for a plan to finish and returns its result, whichever executions planned it; throws when the
    /// orchestration itself failed.</summary>
    public async Task<PlanResult> WaitAsync(string id, CancellationToken cancellationToken = default)
    {
        var instance = await _host.WaitForCompletionAsync(id, cancellationToken);
        return instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed && instance.ReadOutputAs<PlanOutput>() is { } output
            ? await PlanResults.ReadAsync(Services.GetRequiredService<IPlanContentStore>(), id, output, cancellationToken)
            : throw new InvalidOperationException($"Plan {id} ended {instance.RuntimeStatus}: {instance.FailureDetails?.ErrorMessage ?? instance.SerializedOutput}");
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
