using Dsp.Core.Agents;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dsp.Agents;

/// <summary>Registers the live agent profiles.</summary>
public static class AgentsServiceCollectionExtensions
{
    /// <summary>
    /// When <c>Dsp:Agents:Profiles</c> configures live profiles, registers them as the <see cref="IAgentProfiles"/>
    /// (unless one is already registered), with the replay profile from <paramref name="replay"/> kept as
    /// <c>replay</c> and as <c>default</c> if no live profile takes that name. Registers nothing otherwise.
    /// </summary>
    public static IServiceCollection AddDspAgents(
        this IServiceCollection services, IConfiguration configuration, Func<IServiceProvider, IAgentProfiles>? replay = null)
    {
        if (LiveAgentProfiles.ConfiguredNames(configuration).Count == 0)
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAgentProfiles>(provider => new LiveAgentProfiles(
            LiveAgentProfiles.Create(configuration, provider.GetRequiredService<TimeProvider>()),
            replay is null ? null : () => replay(provider)));
        return services;
    }
}
