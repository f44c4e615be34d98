using Microsoft.Extensions.Logging;

namespace Dsp.Storage;

/// <summary>The storage layer's log messages.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(1, LogLevel.Information, "Transitions {FirstRow}-{LastRow} of run {RunId} were already stored (a replayed write); {Missing} missing rows added.")]
    public static partial void TransitionsAlreadyStored(this ILogger logger, string runId, string firstRow, string lastRow, int missing);

    [LoggerMessage(2, LogLevel.Warning, "Run {RunId} has {Stored} of its {Expected} transitions stored, the last written at {LastWritten:o}; skipped as abandoned.")]
    public static partial void AbandonedRunSkipped(this ILogger logger, string runId, int stored, int expected, DateTimeOffset lastWritten);

    [LoggerMessage(3, LogLevel.Information, "Read {Transitions} transitions of {Runs} runs recorded after {Since:o}; watermark {Watermark:o}.")]
    public static partial void TransitionsRead(this ILogger logger, int transitions, int runs, DateTimeOffset? since, DateTimeOffset? watermark);

    [LoggerMessage(4, LogLevel.Information, "Run {RunId} was already saved (a replayed write); the stored summary is kept.")]
    public static partial void RunAlreadySaved(this ILogger logger, string runId);

    [LoggerMessage(5, LogLevel.Information, "Policy version {Version} published (trained on {Transitions} transitions, loss {Loss}).")]
    public static partial void PolicyPublished(this ILogger logger, long version, int transitions, float loss);

    [LoggerMessage(6, LogLevel.Information, "Policy version {Version} is already current (a replayed publication).")]
    public static partial void PolicyAlreadyCurrent(this ILogger logger, long version);

    [LoggerMessage(7, LogLevel.Warning, "Policy failure recorded on version {Version}: {Reason}")]
    public static partial void PolicyFailureRecorded(this ILogger logger, long version, string reason);

    [LoggerMessage(8, LogLevel.Warning, "The training lease on {Blob} was lost before it was released ({ErrorCode}).")]
    public static partial void TrainingLeaseLost(this ILogger logger, string blob, string? errorCode);

    [LoggerMessage(9, LogLevel.Debug, "Training lease {LeaseId} on {Blob} acquired for {Duration}.")]
    public static partial void TrainingLeaseAcquired(this ILogger logger, string leaseId, string blob, TimeSpan duration);
}
