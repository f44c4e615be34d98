using Dsp.Core.Acceptance;
using Dsp.Core.Policy;

namespace Dsp.Core.Runs;

/// <summary>What a finished run leaves for training.</summary>
/// <param name="RunId">The run.</param>
/// <param name="CompletedAt">When the run ended (by the orchestration's clock: the same when a write is replayed).</param>
/// <param name="Transitions">Its transitions, for the value model (the <c>dsp</c> policy).</param>
/// <param name="Examples">Its judged drafts, for the acceptance model (the <c>adaptive</c> policy).</param>
public sealed record RunTrainingData(string RunId, DateTimeOffset CompletedAt, IReadOnlyList<PolicyTransition> Transitions, RunExamples Examples)
{
    /// <summary>Transitions and judged drafts together: what a read is capped by.</summary>
    public int Rows => Transitions.Count + Examples.Drafts.Count;
}

/// <summary>The runs' training data, for the policy's retraining.</summary>
public interface ITrainingStore
{
    /// <summary>Writes a run's training data. Idempotent: writing a run again adds nothing; a run with neither
    /// transitions nor judged drafts stores nothing.</summary>
    Task AppendAsync(RunTrainingData run, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whole runs recorded after <paramref name="watermark"/> (all when null), oldest first, at most
    /// <paramref name="maxRows"/> transitions and judged drafts together (the first run is returned even when it
    /// alone has more); and the watermark to pass next time.
    /// </summary>
    Task<TrainingBatch> ReadSinceAsync(DateTimeOffset? watermark, int maxRows, CancellationToken cancellationToken = default);
}

/// <summary>Runs read from a <see cref="ITrainingStore"/>, and how far the read got.</summary>
/// <param name="Runs">Whole runs, oldest first.</param>
/// <param name="Watermark">The recording time of the newest run read (the old watermark when none).</param>
public sealed record TrainingBatch(IReadOnlyList<RunTrainingData> Runs, DateTimeOffset? Watermark);

/// <summary>Summaries of finished runs.</summary>
public interface IRunStore
{
    /// <summary>Writes a run's summary. Idempotent: a second write of the same run changes nothing.</summary>
    /// <returns>Whether this write stored the run (false: it was already stored).</returns>
    Task<bool> SaveAsync(RunRecord run, CancellationToken cancellationToken = default);

    Task<RunRecord?> GetAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>The most recently completed runs, newest first.</summary>
    Task<IReadOnlyList<RunRecord>> RecentAsync(int count, CancellationToken cancellationToken = default);
}

/// <summary>Published policy snapshots (blobs) and the row describing the one in service.</summary>
public interface IPolicyStore
{
    /// <summary>The row describing the policy in service, or null before the first publication.</summary>
    Task<PublishedPolicy?> GetCurrentAsync(CancellationToken cancellationToken = default);

    /// <summary>The snapshot of a published version.</summary>
    /// <exception cref="PolicySnapshotFormatException">The stored snapshot is corrupt.</exception>
    Task<PolicySnapshot> LoadAsync(long version, CancellationToken cancellationToken = default);

    /// <summary>Stores the snapshot, then makes it current with this description (the snapshot first, so a
    /// reader never sees a version without its snapshot).</summary>
    Task PublishAsync(PolicySnapshot snapshot, PublishedPolicy description, CancellationToken cancellationToken = default);

    /// <summary>Keeps the training data of <paramref name="version"/> (<see cref="TrainingBuffer"/>) before it is published,
    /// so that the next retraining starts from it. Writing it again replaces it.</summary>
    Task SaveTrainingBufferAsync(long version, byte[] buffer, CancellationToken cancellationToken = default);

    /// <summary>The training data kept with <paramref name="version"/>, or null when none was kept.</summary>
    Task<byte[]?> LoadTrainingBufferAsync(long version, CancellationToken cancellationToken = default);

    /// <summary>Records a failed training or load on the current row; the policy in service stays as it was.</summary>
    Task RecordFailureAsync(string reason, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Takes the exclusive right to train for <paramref name="duration"/>, or null when another holder has
    /// it. Disposing the lease releases it.</summary>
    Task<IAsyncDisposable?> TryAcquireTrainingLeaseAsync(TimeSpan duration, CancellationToken cancellationToken = default);
}

/// <summary>Which calls of a run were cancelled: the orchestrator writes, the call activities read.</summary>
public interface ICancellationStore
{
    /// <summary>Marks calls (these attempts of them) cancelled. Idempotent.</summary>
    Task CancelCallsAsync(string runId, IReadOnlyList<CallAttempt> calls, CancellationToken cancellationToken = default);

    /// <summary>Marks every call of the run cancelled (the plan was stopped). Idempotent.</summary>
    Task CancelRunAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Whether the call (this attempt of it), or its whole run, was cancelled.</summary>
    Task<bool> IsCancelledAsync(string runId, CallAttempt attempt, CancellationToken cancellationToken = default);

    /// <summary>Whether the whole run was cancelled (<see cref="CancelRunAsync"/>).</summary>
    Task<bool> IsRunCancelledAsync(string runId, CancellationToken cancellationToken = default);
}

/// <summary>
/// Documents of a running plan that its orchestration refers to by name rather than carrying them in its history: the
/// task and verified steps its calls are conditioned on, and the record of each finished orchestration execution. A
/// document is written once and never changes; its name is derived from its content, so writing it again (a replayed
/// or redelivered activity) stores nothing new, and two different documents never share a name.
/// </summary>
public interface IPlanContentStore
{
    /// <summary>Stores <paramref name="content"/> as <paramref name="name"/> of the run, unless it is already stored.</summary>
    Task SaveAsync(string runId, string name, string content, CancellationToken cancellationToken = default);

    /// <summary>The document <paramref name="name"/> of the run, or null when there is none.</summary>
    Task<string?> ReadAsync(string runId, string name, CancellationToken cancellationToken = default);
}
