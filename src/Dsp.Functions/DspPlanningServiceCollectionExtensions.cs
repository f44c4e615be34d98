using Dsp.Agents;
using Dsp.Core.Acceptance;
using Dsp.Core.Agents;
using Dsp.Core.Costs;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Dsp.Core.Runs.InMemory;
using Dsp.Core.Traces;
using Dsp.Functions.Http;
using Dsp.Functions.Planning;
using Dsp.Functions.Policy;
using Dsp.Functions.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dsp.Functions;

/// <summary>Registers the planning services: agents, prices, the policy, telemetry and the request validator.</summary>
public static class DspPlanningServiceCollectionExtensions
{
    public static IServiceCollection AddDspPlanning(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PlanOptions>().BindConfiguration(PlanOptions.Section);
        services.AddOptions<PolicyOptions>().BindConfiguration(PolicyOptions.Section);
        services.AddOptions<ReplayAgentOptions>().BindConfiguration(ReplayAgentOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();

        // Built-in prices with Dsp:Prices applied; a malformed price stops start-up naming the setting.
        services.AddSingleton(AgentPrices.Table(configuration));
        static IAgentProfiles Replay(IServiceProvider provider)
        {
            var replay = provider.GetRequiredService<IOptions<ReplayAgentOptions>>().Value;
            var catalog = new TraceCatalog(TraceReader.ReadFiles(replay.Traces.Count > 0 ? replay.Traces : [ReplayAgentOptions.BundledTraces]));
            return new ReplayProfiles(
                catalog, replay.LatencyScale, provider.GetRequiredService<TimeProvider>(), AgentPrices.ForReplay(provider.GetRequiredService<PriceTable>()));
        }

        // Live profiles (Dsp:Agents:Profiles) when configured, keeping the replay profile as "replay"; else replay alone.
        services.AddDspAgents(configuration, Replay);
        services.TryAddSingleton<IAgentProfiles>(Replay);
        services.TryAddSingleton(provider => PriorPolicy.Load(
            provider.GetRequiredService<IOptions<PolicyOptions>>().Value.Prior, provider.GetRequiredService<ILogger<PriorPolicy>>()));
        services.AddSingleton<PolicyProvider>();
        services.AddSingleton<PlanContextReader>();
        services.AddSingleton<PlanTelemetry>();
        services.AddSingleton<PlanRequestValidator>();
        services.AddSingleton(provider =>
        {
            var policy = provider.GetRequiredService<IOptions<PolicyOptions>>().Value;
            return new PolicyRetrainer(
                provider.GetRequiredService<ITrainingStore>(),
                provider.GetRequiredService<IPolicyStore>(),
                new PolicyTrainer(policy.Trainer, new HashedTextFeaturizer()),
                new AcceptanceTrainer(),
                provider.GetRequiredService<TimeProvider>(),
                policy.Retrain);
        });
        return services;
    }

    /// <summary>Keeps training data, runs, policies, cancellations and plan documents in memory (one process; nothing
    /// survives it).</summary>
    public static IServiceCollection AddInMemoryStores(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ITrainingStore>(provider => new InMemoryTrainingStore(provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IRunStore, InMemoryRunStore>();
        services.AddSingleton<IPolicyStore, InMemoryPolicyStore>();
        services.AddSingleton<ICancellationStore, InMemoryCancellationStore>();
        services.AddSingleton<IPlanContentStore, InMemoryPlanContentStore>();
        return services;
    }
}
