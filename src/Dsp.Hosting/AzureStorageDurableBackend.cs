using DurableTask.AzureStorage;
using Grpc.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dsp.Hosting;

/// <summary>
/// Keeps orchestration history in a task hub in Azure Storage (locally, Azurite): the Durable Task Azure Storage
/// provider, the backend host.json names, behind the SDK's gRPC sidecar. History is in tables, messages in queues and
/// large payloads in blobs; a plan survives its worker, and any worker on the same task hub can go on with it.
/// </summary>
/// <param name="connectionString">The storage account of the task hub.</param>
/// <param name="options">The provider's settings.</param>
/// <param name="runWorker">Whether this process runs orchestrations and activities (a worker), or only starts and
/// watches them (a client of workers elsewhere).</param>
public sealed class AzureStorageDurableBackend(string connectionString, AzureStorageDurableOptions options, bool runWorker = true) : IDurableBackend
{
    public async Task<IDurableHost> StartAsync(
        Action<DurableTaskRegistry> registerTasks, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        var service = new AzureStorageOrchestrationService(Settings(loggerFactory));
        await service.CreateIfNotExistsAsync();
        var sidecar = await GrpcSidecar.StartAsync(service, service, runWorker, loggerFactory, cancellationToken);
        try
        {
            var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Services.AddSingleton(loggerFactory);
            builder.Services.AddDurableTaskClient(client =>
            {
                client.UseGrpc(sidecar.ClientChannel);
                client.RegisterDirectly();
            });
            if (runWorker)
            {
                builder.Services.AddDurableTaskWorker(worker =>
                {
                    worker.UseGrpc(sidecar.WorkerChannel);
                    worker.AddTasks(registerTasks);
                });
            }

            var host = builder.Build();
            await host.StartAsync(cancellationToken);
            return new DurableHost(host, sidecar, service, runWorker, options.CompletionPollInterval);
        }
        catch
        {
            await sidecar.DisposeAsync();
            throw;
        }
    }

    private AzureStorageOrchestrationServiceSettings Settings(ILoggerFactory loggerFactory) => new()
    {
        StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
        TaskHubName = options.TaskHubName,
        PartitionCount = options.PartitionCount,
        MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivities,
        MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentOrchestrations,
        MaxQueuePollingInterval = options.MaxQueuePollingInterval,
        ControlQueueVisibilityTimeout = options.ControlQueueVisibilityTimeout,
        WorkItemQueueVisibilityTimeout = options.WorkItemQueueVisibilityTimeout,
        LeaseInterval = options.LeaseInterval,
        LeaseRenewInterval = options.LeaseInterval / 3,
        LeaseAcquireInterval = options.LeaseInterval / 3,

        // The app lease keeps a second app (a deployment slot) off a task hub; one app runs here.
        UseAppLease = false,

        // Partition leases are owned by worker: two processes on one machine must not share an id.
        WorkerId = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}",
        LoggerFactory = loggerFactory,
    };

    private sealed class DurableHost(IHost host, GrpcSidecar sidecar, AzureStorageOrchestrationService service, bool started, TimeSpan pollInterval) : IDurableHost
    {
        public DurableTaskClient Client { get; } = host.Services.GetRequiredService<DurableTaskClient>();

        /// <summary>Polls the instance: the provider's own wait checks only every 2 s. A read that fails (storage
        /// unreachable) is made again at the next poll, until <paramref name="cancellationToken"/> gives up, which then
        /// carries the last failure.</summary>
        public async Task<OrchestrationMetadata> WaitForCompletionAsync(string id, CancellationToken cancellationToken)
        {
            RpcException? lastFailure = null;
            while (true)
            {
                try
                {
                    var instance = await Client.GetInstanceAsync(id, getInputsAndOutputs: false, cancellationToken)
                        ?? throw new InvalidOperationException($"There is no plan {id}.");
                    if (instance.IsCompleted)
                    {
                        return (await Client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken))!;
                    }
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.Unknown or StatusCode.Unavailable && !cancellationToken.IsCancellationRequested)
                {
                    lastFailure = e;
                }

                try
                {
                    await Task.Delay(pollInterval, cancellationToken);
                }
                catch (OperationCanceledException e) when (lastFailure is not null)
                {
                    throw new OperationCanceledException($"Gave up waiting for plan {id}; its state could last not be read: {lastFailure.Status.Detail}", lastFailure, e.CancellationToken);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            // The worker first (it finishes its work items), then the sidecar; then the partition leases are released
            // so that another worker need not wait for them to expire.
            await host.StopAsync();
            host.Dispose();
            await sidecar.DisposeAsync();
            if (started)
            {
                await service.StopAsync();
            }
        }
    }
}
