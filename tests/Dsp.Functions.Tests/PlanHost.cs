using Dsp.Core.Agents;
using Dsp.Core.Runs;
using Dsp.Core.Runs.InMemory;
using Dsp.Functions.Planning;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dsp.Functions.Tests;

/// <summary>
/// The plan's orchestrator and activities on the in-process durable host, with replay agents over the bundled
/// traces and in-memory stores (or the stores a test gives).
/// </summary>
internal sealed class PlanHost : IAsyncDisposable
{
    private readonly DurableTaskTestHost _host;

    private PlanHost(DurableTaskTestHost host, ServiceProvider services)
    {
        _host = host;
        Services = services;
    }

    public ServiceProvider Services { get; }

    public DurableTaskClient Client => _host.Client;

    public InMemoryPolicyStore Policies => (InMemoryPolicyStore)Services.GetRequiredService<IPolicyStore>();

    public static string BundledTraces => Path.Combine(AppContext.BaseDirectory, "traces", "openagi-gpt4turbo.jsonl");

    /// <param name="latencyScale">Recorded seconds to real seconds.</param>
    /// <param name="settings">More configuration.</param>
    /// <param name="agents">Agents to plan with instead of the configured replay agents.</param>
    public static async Task<PlanHost> StartAsync(double latencyScale = 0.002, IDictionary<string, string?>? settings = null, IAgentProfiles? agents = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Dsp:Agents:Replay:LatencyScale"] = latencyScale.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Dsp:Agents:Replay:Traces:0"] = BundledTraces,
                ["Dsp:Plans:CancellationPollInterval"] = "00:00:00.005",
                ["Dsp:Policy:RefreshInterval"] = "00:00:00",
            })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var services = new ServiceCollection();
        if (agents is not null)
        {
            services.AddSingleton(agents);
        }

        var provider = services
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton<IConfiguration>(configuration)
            .AddDspPlanning(configuration)
            .AddInMemoryStores()
            .AddTransient<PlanActivities>()
            .BuildServiceProvider();
        var host = await DurableTaskTestHost.StartAsync(
            registry => registry.AddPlanTasks(provider),
            new DurableTaskTestHostOptions { LoggerFactory = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Warning)) });
        return new PlanHost(host, provider);
    }

    /// <summary>Starts a plan and waits for it to finish.</summary>
    public async Task<PlanResult> PlanAsync(PlanInput input, TimeSpan? timeout = null)
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync(nameof(SpeculativePlanOrchestrator), input);
        return await WaitAsync(id, timeout);
    }

    public async Task<PlanResult> WaitAsync(string id, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(300));
        var instance = await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cancel.Token);
        return instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed
            ? instance.ReadOutputAs<PlanResult>()!
            : throw new InvalidOperationException($"Plan {id} ended {instance.RuntimeStatus}: {instance.FailureDetails?.ErrorMessage}");
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await Services.DisposeAsync();
    }
}
