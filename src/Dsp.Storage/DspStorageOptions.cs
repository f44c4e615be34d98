namespace Dsp.Storage;

/// <summary>
/// Where the app's tables and blobs live, bound from the configuration section <c>Dsp:Storage</c>
/// (environment variables <c>Dsp__Storage__*</c>). Either <see cref="ConnectionString"/> (local: Azurite's
/// <c>UseDevelopmentStorage=true</c>) or, identity-based, both <see cref="TableServiceUri"/> and
/// <see cref="BlobServiceUri"/>; a connection string wins when both are set.
/// </summary>
public sealed class DspStorageOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Dsp:Storage";

    /// <summary>A storage connection string (<c>Dsp:Storage:ConnectionString</c>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The Table service endpoint for identity-based access (<c>Dsp:Storage:TableServiceUri</c>).</summary>
    public string? TableServiceUri { get; set; }

    /// <summary>The Blob service endpoint for identity-based access (<c>Dsp:Storage:BlobServiceUri</c>).</summary>
    public string? BlobServiceUri { get; set; }

    /// <summary>The client id of the user-assigned managed identity to use (<c>Dsp:Storage:ClientId</c>); unset: the
    /// credential chain's default (system-assigned identity, developer sign-in).</summary>
    public string? ClientId { get; set; }

    /// <summary>Prepended to every table name (letters and digits), so that several deployments or test runs can share
    /// one account.</summary>
    public string TablePrefix { get; set; } = "";

    /// <summary>The blob container of the policy snapshots and the training lease.</summary>
    public string PolicyContainer { get; set; } = "policies";

    /// <summary>The blob container of the documents plans refer to by name: their task and verified steps, and the
    /// record of each finished orchestration execution of a long plan.</summary>
    public string PlanContainer { get; set; } = "plans";

    /// <summary>Retries of a failed storage request (the SDK's exponential back-off) before its error surfaces.</summary>
    public int MaxRetries { get; set; } = 5;

    /// <summary>The first retry's delay; each next one doubles it (with jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(0.5);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A run of the first storage layout (the <c>Transitions</c> table) whose transitions are still partly written is
    /// held back from training reads (they stop before it) for this long after its last row was written; after that it
    /// counts as abandoned and is skipped, so that a writer that never finished cannot stall training for good. (The
    /// current layout commits a run with its last write: a run still being written is simply not readable yet.)
    /// </summary>
    public TimeSpan IncompleteRunGracePeriod { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long after it completed a run may still be recorded and be found by reads of what is new. Training data is
    /// filed by the run's completion time (the same on every replay of the write), so a read of the runs recorded after
    /// a watermark looks at those completed up to this long before it; a read costs what was recorded in this span, not
    /// the table's age. The default, one hour, covers the worst the recording's retries allow — the orchestrator's four
    /// deliveries of <c>RecordRun</c>, each with the storage client's six tries of up to 100 s (its network timeout) and
    /// about 15 s of back-off, some 41 minutes in all — plus clock skew and a short queue backlog. A run recorded later still is
    /// stored (a warning says so) and read by reads from before it completed, such as the retrainer's training window,
    /// but a read from a watermark more than this after its completion does not see it.
    /// </summary>
    public TimeSpan TrainingLookback { get; set; } = TimeSpan.FromHours(1);
}
