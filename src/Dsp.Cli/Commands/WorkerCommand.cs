using System.CommandLine;
using Dsp.Hosting;
using Dsp.Storage;
using Microsoft.Extensions.Configuration;

namespace Dsp.Cli.Commands;

/// <summary>
/// <c>dsp worker</c>: runs the Functions app's plan orchestrations and activities for a task hub in Azure Storage
/// until stopped, as a Functions host instance does. Plans started by any client of the task hub (<c>dsp plan
/// --durable azure-storage</c>, a test) run here; several workers share them, and a worker that dies leaves its
/// plans to the others. Configured as the Functions app is, from <c>Dsp__*</c> environment variables.
/// </summary>
internal sealed class WorkerCommand : Command
{
    private readonly Option<string> _storage = new("--storage")
    {
        Description = "The storage account of the task hub and of the app's tables and blobs (e.g. UseDevelopmentStorage=true for Azurite)",
        HelpName = "CONNECTION",
        Required = true,
    };

    private readonly ReplayOptions _replay = new();

    public WorkerCommand()
        : base("worker", "Run plans for a task hub in Azure Storage until stopped (Ctrl+C).")
    {
        Options.Add(_storage);
        Options.Add(_replay.Traces);
        Options.Add(_replay.Speed);
        SetAction((parse, cancellationToken) => CommandActions.RunAsync(parse, RunAsync, cancellationToken));
    }

    private async Task RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var storage = parse.GetValue(_storage)!;
        var (_, _, settings) = _replay.Read(parse);
        settings["Dsp:Storage:ConnectionString"] = storage;

        // The environment (Dsp__*) wins, as app settings do in Azure: live agents, the app's own storage, the provider.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).AddEnvironmentVariables().Build();
        var options = DurableBackends.Options(configuration);
        InProcessPlanner worker;
        try
        {
            worker = await InProcessPlanner.StartAsync(
                configuration,
                services => services.AddDspStorage(configuration),
                backend: new AzureStorageDurableBackend(storage, options));
        }
        catch (Exception e) when (e is FormatException or IOException or ArgumentException or InvalidOperationException or Azure.RequestFailedException)
        {
            throw new CommandException(e.Message, e);
        }

        await using (worker)
        {
            var output = parse.InvocationConfiguration.Output;
            await output.WriteLineAsync($"Worker running plans for task hub {options.TaskHubName} (process {Environment.ProcessId}); Ctrl+C stops it.");
            await output.FlushAsync(cancellationToken);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                await output.WriteLineAsync("Worker stopping: finishing the work items in hand.");
            }
        }
    }
}
