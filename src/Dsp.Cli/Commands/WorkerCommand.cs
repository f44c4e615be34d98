using System.CommandLine;
using System.Globalization;
using Dsp.Functions.Planning;
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

    private readonly Option<FileInfo[]> _traces = new Option<FileInfo[]>("--traces")
    {
        Description = "dsp-trace/1 files the replay agents play [default: the bundled traces]",
        HelpName = "FILE",
        AllowMultipleArgumentsPerToken = true,
    }.AcceptExistingOnly();

    private readonly Option<double> _speed = new("--speed")
    {
        Description = "Replay agents play this many times faster than the recorded latencies",
        DefaultValueFactory = _ => 10,
    };

    public WorkerCommand()
        : base("worker", "Run plans for a task hub in Azure Storage until stopped (Ctrl+C).")
    {
        Options.Add(_storage);
        Options.Add(_traces);
        Options.Add(_speed);
        SetAction((parse, cancellationToken) => CommandActions.RunAsync(parse, RunAsync, cancellationToken));
    }

    private async Task RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var speed = parse.GetValue(_speed);
        if (!(speed > 0) || double.IsInfinity(speed))
        {
            throw new CommandException("--speed must be a positive number.");
        }

        var storage = parse.GetValue(_storage)!;
        var traces = parse.GetValue(_traces) is { Length: > 0 } files ? files.Select(f => f.FullName).ToList() : [ReplayAgentOptions.BundledTraces];
        var settings = new Dictionary<string, string?>
        {
            ["Dsp:Agents:Replay:LatencyScale"] = (1 / speed).ToString(CultureInfo.InvariantCulture),
            ["Dsp:Storage:ConnectionString"] = storage,
        };
        for (var i = 0; i < traces.Count; i++)
        {
            settings[$"Dsp:Agents:Replay:Traces:{i}"] = traces[i];
        }

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
