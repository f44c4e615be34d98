using System.Globalization;
using Dsp.Core.Agents;
using Dsp.Core.Runs;
using Dsp.Core.Runs.InMemory;
using Dsp.Functions.Planning;
using Dsp.Hosting;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dsp.Functions.Tests;

/// <summary>
/// The app's planner on the in-process durable host, with replay agents over the bundled traces (or the agents a
/// test gives) and in-memory stores.
/// </summary>
internal sealed class PlanHost(InProcessPlanner planner) : IAsyncDisposable
{
    public InProcessPlanner Planner => planner;

    public ServiceProvider Services => planner.Services;

    public DurableTaskClient Client => planner.Client;

    public InMemoryPolicyStore Policies => (InMemoryPolicyStore)Services.GetRequiredService<IPolicyStore>();

    public static string BundledTraces => Path.Combine(AppContext.BaseDirectory, "traces", "openagi-gpt4turbo.jsonl");

    /// <param name="latencyScale">Recorded seconds to real seconds.</param>
    /// <param name="agents">Agents to plan with instead of the configured replay agents.</param>
    /// <param name="logs">Also receives the app's logs (warnings and above, as the planner keeps them).</param>
    /// <param name="prior">The adaptive policy's prior file (null: the shipped one; empty: none).</param>
    public static async Task<PlanHost> StartAsync(double latencyScale = 0.002, IAgentProfiles? agents = null, ILoggerProvider? logs = null, string? prior = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Dsp:Agents:Replay:LatencyScale"] = latencyScale.ToString(CultureInfo.InvariantCulture),
            ["Dsp:Agents:Replay:Traces:0"] = BundledTraces,
            ["Dsp:Plans:CancellationPollInterval"] = "00:00:00.005",
            ["Dsp:Policy:RefreshInterval"] = "00:00:00",
        };
        if (prior is not null)
        {
            settings["Dsp:Policy:Prior"] = prior;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new PlanHost(await InProcessPlanner.StartAsync(
            configuration,
            services => services.AddInMemoryStores(),
            services =>
            {
                if (agents is not null)
                {
                    services.AddSingleton(agents);
                }

                if (logs is not null)
                {
                    services.AddLogging(logging => logging.AddProvider(logs));
                }
            }));
    }

    /// <summary>Starts a plan and waits for it to finish.</summary>
    public async Task<PlanResult> PlanAsync(PlanInput input) => await WaitAsync(await planner.StartPlanAsync(input));

    public async Task<PlanResult> WaitAsync(string id, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(300));
        return await planner.WaitAsync(id, cancel.Token);
    }

    public ValueTask DisposeAsync() => planner.DisposeAsync();
}
