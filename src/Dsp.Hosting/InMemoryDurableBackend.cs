using Microsoft.AspNetCore.Connections;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Logging;

namespace Dsp.Hosting;

/// <summary>
/// Keeps orchestration history in this process's memory (the Durable Task SDK's in-process test host: an in-memory
/// orchestration service behind a gRPC sidecar on loopback). Nothing survives the process.
/// </summary>
/// <remarks>
/// The host runs at most <see cref="Environment.ProcessorCount"/> activities at once and waits 500 ms when they are
/// all busy; speculative planning runs many calls at once, so run it with <c>DOTNET_PROCESSOR_COUNT</c> raised
/// (e.g. 64).
/// </remarks>
public sealed class InMemoryDurableBackend : IDurableBackend
{
    private const string SidecarLogLevel = "Logging__LogLevel__Default";

    private const int PortAttempts = 5;

    public async Task<IDurableHost> StartAsync(
        Action<DurableTaskRegistry> registerTasks, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        // The gRPC sidecar logs every call at Information through the default host configuration, which reads
        // environment variables: keep it to warnings unless the user chose otherwise.
        if (Environment.GetEnvironmentVariable(SidecarLogLevel) is null)
        {
            Environment.SetEnvironmentVariable(SidecarLogLevel, "Warning");
        }

        // The host listens on a random port from 30000-40000 without checking that it is free, so a port another
        // process holds (a host of its own, a client connection's local port) is met by trying again.
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var host = await DurableTaskTestHost.StartAsync(
                    registerTasks, new DurableTaskTestHostOptions { LoggerFactory = loggerFactory }, cancellationToken);
                return new Host(host);
            }
            catch (IOException e) when (e.InnerException is AddressInUseException && attempt < PortAttempts)
            {
                // Another random port next time.
            }
        }
    }

    private sealed class Host(DurableTaskTestHost host) : IDurableHost
    {
        public DurableTaskClient Client => host.Client;

        public Task<OrchestrationMetadata> WaitForCompletionAsync(string id, CancellationToken cancellationToken) =>
            host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cancellationToken);

        public ValueTask DisposeAsync() => host.DisposeAsync();
    }
}
