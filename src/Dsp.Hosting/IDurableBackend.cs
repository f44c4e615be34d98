using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Dsp.Hosting;

/// <summary>
/// A durable backend that runs orchestrations and activities in this process: where their history lives (in memory,
/// or a task hub in storage) and how the worker and the client reach it.
/// </summary>
public interface IDurableBackend
{
    /// <summary>Starts a worker with the tasks <paramref name="registerTasks"/> registers, and a client.</summary>
    /// <param name="registerTasks">Registers the orchestrators and activities the worker runs.</param>
    /// <param name="loggerFactory">Where the worker, the client and the backend log.</param>
    /// <param name="cancellationToken">Stops waiting for the backend to start.</param>
    Task<IDurableHost> StartAsync(
        Action<DurableTaskRegistry> registerTasks, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default);
}
