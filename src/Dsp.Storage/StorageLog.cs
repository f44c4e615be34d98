using Microsoft.Extensions.Logging;

namespace Dsp.Storage;

/// <summary>The storage layer's log messages.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(1, LogLevel.Information, "{Stored} training rows of run {RunId} in table {Table} were already stored (a replayed write); {Missing} missing rows added.")]
    public static partial void TrainingRowsAlreadyStored(this ILogger logger, string runId, string table, int stored, int missing);

    [LoggerMessage(2, LogLevel.Warning, "Run {RunId} has {Stored} of its {Expected} transitions stored, the last written at {LastWritten:o}; skipped as abandoned.")]
    public static partial void AbandonedRunSkipped(this ILogger logger, string runId, int stored, int expected, DateTimeOffset lastWritten);

    [LoggerMessage(3, LogLevel.Information, "Read {Runs} runs ({Transitions} transitions, {Drafts} judged drafts) recorded after {Since:o} from {Tables} training tables; watermark {Watermark:o}.")]
    public static partial void TrainingDataRead(this ILogger logger, int runs, int transitions, int drafts, DateTimeOffset? since, DateTimeOffset? watermark, int tables);

    [LoggerMessage(4, LogLevel.Information, "Run {RunId} was already saved (a replayed write); the stored summary is kept.")]
    public static partial void RunAlreadySaved(this ILogger logger, string runId);

    [LoggerMessage(5, LogLevel.Information, "Policy version {Version} published (trained on {Transitions} transitions, loss {Loss}, and {Examples} judged drafts).")]
    public static partial void PolicyPublished(this ILogger logger, long version, int transitions, float loss, int examples);

    [LoggerMessage(6, LogLevel.Information, "Policy version {Version} is already current (a replayed publication).")]
    public static partial void PolicyAlreadyCurrent(this ILogger logger, long version);

    [LoggerMessage(7, LogLevel.Warning, "Policy failure recorded on version {Version}: {Reason}")]
    public static partial void PolicyFailureRecorded(this ILogger logger, long version, string reason);

    [LoggerMessage(8, LogLevel.Warning, "The training lease on {Blob} was lost before it was released ({ErrorCode}).")]
    public static partial void TrainingLeaseLost(this ILogger logger, string blob, string? errorCode);

    [LoggerMessage(9, LogLevel.Debug, "Training lease {LeaseId} on {Blob} acquired for {Duration}.")]
    public static partial void TrainingLeaseAcquired(this ILogger logger, string leaseId, string blob, TimeSpan duration);

    [LoggerMessage(10, LogLevel.Warning, "Run {RunId} is recorded {Late} after it completed, later than the training reads look back ({Lookback}): reads from a watermark more than that after its completion will not see it (Dsp:Storage:TrainingLookback).")]
    public static partial void RunRecordedLate(this ILogger logger, string runId, TimeSpan late, TimeSpan lookback);

    [LoggerMessage(11, LogLevel.Information, "Table {Table} of the first storage layout has had no row written after {Through:o} for over an hour: reads from that watermark on no longer read it.")]
    public static partial void LegacyTableDrained(this ILogger logger, string table, DateTimeOffset through);
}
