using Dsp.Core.Agents;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dsp.Agents;

/// <summary>Registers the live agent profiles.</summary>
public static class AgentsServiceCollectionExtensions
{
    /// <summary>
    /// When <c>Dsp:Agents:Profiles</c> configures live profiles, checks them at once (a wrong setting or a model with no
    /// price stops start-up, naming the setting) and registers them as the <see cref="IAgentProfiles"/> (unless one is
    /// already registered), with the replay profile from <paramref name="replay"/> kept as <c>replay</c> and as
    /// <c>default</c> if no live profile takes that name. A role's <c>Client</c> names a keyed <c>IChatClient</c> of the
    /// container, resolved when the profiles are first used. Registers nothing otherwise.
    /// </summary>
    /// <exception cref="InvalidOperationException">A live profile's settings are wrong.</exception>
    public static IServiceCollection AddDspAgents(
        this IServiceCollection services, IConfiguration configuration, Func<IServiceProvider, IAgentProfiles>? replay = null)
    {
        if (LiveAgentProfiles.ConfiguredNames(configuration).Count == 0)
        {
            return services;
        }

        LiveAgentProfiles.Validate(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAgentProfiles>(provider => new LiveAgentProfiles(
            LiveAgentProfiles.Create(configuration, provider.GetRequiredService<TimeProvider>(), provider),
            replay is null ? null : () => replay(provider)));
        return services;
    }
}
