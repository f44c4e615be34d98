namespace Dsp.Hosting;

/// <summary>
/// The Durable Task Azure Storage provider as the local host runs it (configuration section
/// <c>Dsp:Durable:AzureStorage</c>, environment variables <c>Dsp__Durable__AzureStorage__*</c>). The names follow
/// host.json's <c>extensions.durableTask</c> settings where the Functions host has the same one.
/// </summary>
public sealed class AzureStorageDurableOptions
{
    public const string Section = "Dsp:Durable:AzureStorage";

    /// <summary>The task hub: its queues, tables and blob container are named after it (host.json <c>hubName</c>).</summary>
    public string TaskHubName { get; set; } = "DspPlans";

    /// <summary>Control queues, i.e. how many workers can share the orchestrations (<c>storageProvider.partitionCount</c>, 1–16).
    /// Fixed when the task hub is first created.</summary>
    public int PartitionCount { get; set; } = 4;

    /// <summary>Activities one worker runs at once (host.json <c>maxConcurrentActivityFunctions</c>).</summary>
    public int MaxConcurrentActivities { get; set; } = 100;

    /// <summary>Orchestration episodes one worker runs at once (host.json <c>maxConcurrentOrchestratorFunctions</c>).</summary>
    public int MaxConcurrentOrchestrations { get; set; } = 100;

    /// <summary>The longest an idle queue waits between polls (<c>storageProvider.maxQueuePollingInterval</c>): how
    /// late a message that arrives on a quiet queue can be seen.</summary>
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a dequeued orchestration message stays invisible to other workers: after a worker dies, its
    /// messages come back this late (<c>storageProvider.controlQueueVisibilityTimeout</c>).</summary>
    public TimeSpan ControlQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a dequeued activity stays invisible to other workers: after a worker dies, its activities are
    /// redelivered this late (<c>storageProvider.workItemQueueVisibilityTimeout</c>). The local host does not renew it,
    /// so it must exceed the longest activity.</summary>
    public TimeSpan WorkItemQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a worker owns a control queue without renewing it: after a worker dies, another takes its
    /// partitions over this late (<c>storageProvider.partitionManagement</c>'s lease interval).</summary>
    public TimeSpan LeaseInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a client polls a plan's state while it waits for it to end (the provider's own wait polls
    /// every 2 s).</summary>
    public TimeSpan CompletionPollInterval { get; set; } = TimeSpan.FromMilliseconds(100);
}
