using Microsoft.DurableTask.Client;

namespace Dsp.Hosting;

/// <summary>A running durable worker and its client; disposing it stops the worker.</summary>
public interface IDurableHost : IAsyncDisposable
{
    /// <summary>Schedules, queries, signals and purges instances.</summary>
    DurableTaskClient Client { get; }

    /// <summary>Waits until instance <paramref name="id"/> has ended, and returns it with its input and output.</summary>
    Task<OrchestrationMetadata> WaitForCompletionAsync(string id, CancellationToken cancellationToken);
}
