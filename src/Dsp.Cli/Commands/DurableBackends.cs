using System.CommandLine;
using Dsp.Hosting;
using Microsoft.Extensions.Configuration;

namespace Dsp.Cli.Commands;

/// <summary>The <c>--durable</c> option: where plans keep their orchestration history.</summary>
internal static class DurableBackends
{
    public const string Memory = "memory";
    public const string AzureStorage = "azure-storage";

    public static Option<string> CreateOption() => new Option<string>("--durable")
    {
        Description = "Where orchestration history lives: memory, or azure-storage (the Durable Task Azure Storage provider, as in Azure; needs --storage)",
        DefaultValueFactory = _ => Memory,
    }.AcceptOnlyFromAmong(Memory, AzureStorage);

    /// <param name="durable">The option's value.</param>
    /// <param name="storage">The storage account (<c>--storage</c>), required for <see cref="AzureStorage"/>.</param>
    /// <param name="configuration">Reads the provider's settings (<see cref="AzureStorageDurableOptions.Section"/>).</param>
    /// <param name="runWorker">Whether this process runs the plans, or only starts and watches them.</param>
    public static IDurableBackend Create(string durable, string? storage, IConfiguration configuration, bool runWorker = true) => durable switch
    {
        AzureStorage => new AzureStorageDurableBackend(
            storage ?? throw new CommandException("--durable azure-storage needs --storage (e.g. UseDevelopmentStorage=true for Azurite)."),
            Options(configuration),
            runWorker),
        _ => new InMemoryDurableBackend(),
    };

    public static string Describe(string durable) => durable == AzureStorage ? "durable history in Azure Storage" : "durable history in memory";

    /// <summary>The Azure Storage provider's settings: the defaults, and <c>Dsp:Durable:AzureStorage:*</c>.</summary>
    public static AzureStorageDurableOptions Options(IConfiguration configuration)
    {
        var options = new AzureStorageDurableOptions();
        try
        {
            configuration.GetSection(AzureStorageDurableOptions.Section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new CommandException($"{AzureStorageDurableOptions.Section}: {e.Message}", e);
        }

        return options;
    }
}
