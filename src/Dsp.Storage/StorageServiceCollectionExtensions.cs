using Dsp.Core.Runs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Dsp.Storage;

/// <summary>Registers the Table and Blob Storage stores.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="DspStorageOptions"/> from <c>Dsp:Storage</c> of <paramref name="configuration"/> (validated when
    /// the host starts: missing settings fail it with a message naming them) and registers
    /// <see cref="DspStorageAccount"/> and the stores as singletons: <see cref="ITrainingStore"/>,
    /// <see cref="IRunStore"/>, <see cref="IPolicyStore"/>, <see cref="ICancellationStore"/> and
    /// <see cref="IPlanContentStore"/>. Needs logging, which
    /// every host registers.
    /// </summary>
    public static IServiceCollection AddDspStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DspStorageOptions>()
            .Bind(configuration.GetSection(DspStorageOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DspStorageOptions>, DspStorageOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new DspStorageAccount(sp.GetRequiredService<IOptions<DspStorageOptions>>().Value));
        services.TryAddSingleton<ITrainingStore, TableTrainingStore>();
        services.TryAddSingleton<IRunStore, TableRunStore>();
        services.TryAddSingleton<IPolicyStore, BlobPolicyStore>();
        services.TryAddSingleton<ICancellationStore, TableCancellationStore>();
        services.TryAddSingleton<IPlanContentStore, BlobPlanContentStore>();
        return services;
    }
}
