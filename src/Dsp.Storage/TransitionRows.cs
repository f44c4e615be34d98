using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Dsp.Core.Policy;

namespace Dsp.Storage;

/// <summary>A transition as the <c>Transitions</c> table stores it, with its place in its run.</summary>
/// <param name="Index">Its 0-based position among the run's transitions (the RowKey, 6 digits).</param>
/// <param name="Count">How many transitions the run recorded (every row carries it: a reader knows a run is whole).</param>
/// <param name="Transition">The transition itself.</param>
internal sealed record TransitionRow(int Index, int Count, PolicyTransition Transition);

/// <summary>
/// Maps transitions to rows: PartitionKey = run id, RowKey = 6-digit index; the state's task, counts and history (a
/// JSON array of strings, split over <c>History</c>, <c>History1</c>, … when longer than a property holds), reward,
/// label and segment end.
/// </summary>
internal static class TransitionRows
{
    public const int FormatVersion = 1;

    /// <summary>Six-digit row keys.</summary>
    public const int MaximumPerRun = 999_999;

    /// <summary>A transaction holds at most 100 operations…</summary>
    public const int MaximumBatchCount = 100;

    /// <summary>… and 4 MiB: batches stay under 3 MiB of estimated payload.</summary>
    private const long MaximumBatchBytes = 3L << 20;

    /// <summary>An entity holds at most 1 MiB.</summary>
    private const long MaximumEntityBytes = 960L << 10;

    /// <summary>A string property holds at most 64 KiB of UTF-16: 32K characters.</summary>
    private const int HistoryChunk = 30_000;

    public static string RowKey(int index) => index.ToString("D6", CultureInfo.InvariantCulture);

    public static TableEntity ToEntity(string runId, int index, int count, PolicyTransition transition)
    {
        var state = transition.State;
        var entity = new TableEntity(runId, RowKey(index))
        {
            ["Format"] = FormatVersion,
            ["RunTransitions"] = count,
            ["Task"] = state.Task,
            ["DraftsInRound"] = state.DraftsInRound,
            ["AcceptedDrafts"] = state.AcceptedDrafts,
            ["RejectedDrafts"] = state.RejectedDrafts,
            ["AcceptedStreak"] = state.AcceptedStreak,
            ["Reward"] = (double)transition.Reward,
            ["Label"] = transition.Label,
            ["EndsSegment"] = transition.EndsSegment,
        };

        var history = JsonSerializer.Serialize(state.History);
        var parts = Math.Max(1, (history.Length + HistoryChunk - 1) / HistoryChunk);
        entity["HistoryParts"] = parts;
        for (var part = 0; part < parts; part++)
        {
            var start = part * HistoryChunk;
            entity[HistoryProperty(part)] = history.Substring(start, Math.Min(HistoryChunk, history.Length - start));
        }

        if (EstimatedBytes(entity) > MaximumEntityBytes)
        {
            throw new ArgumentException(
                $"Transition {index} of run '{runId}' is too large to store ({EstimatedBytes(entity) >> 10} KiB; a row holds 1 MiB).");
        }

        return entity;
    }

    /// <summary>Reads a stored row; throws <see cref="InvalidRowException"/> naming the run and row when it cannot be a transition.</summary>
    public static TransitionRow Read(string table, TableEntity entity)
    {
        var row = new RowReader(table, entity);
        if (entity.RowKey is not { Length: 6 } || !int.TryParse(entity.RowKey, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            throw row.Invalid("the row key is not a 6-digit transition index");
        }

        var format = row.Int32("Format");
        if (format != FormatVersion)
        {
            throw row.Invalid($"row format {format} is not supported (this build reads {FormatVersion})");
        }

        var count = row.Int32("RunTransitions");
        if (count < 1 || index >= count)
        {
            throw row.Invalid($"index {index} is outside the run's {count} transitions");
        }

        var parts = row.Int32("HistoryParts");
        if (parts is < 1 or > 64)
        {
            throw row.Invalid($"property 'HistoryParts' is {parts}");
        }

        var json = string.Concat(Enumerable.Range(0, parts).Select(part => row.String(HistoryProperty(part))));
        string[]? history;
        try
        {
            history = JsonSerializer.Deserialize<string[]>(json);
        }
        catch (JsonException)
        {
            history = null;
        }

        if (history is null || history.Any(step => step is null))
        {
            throw row.Invalid("property 'History' is not a JSON array of strings");
        }

        var state = new PolicyState(
            row.String("Task"), history, row.Int32("DraftsInRound"), row.Int32("AcceptedDrafts"), row.Int32("RejectedDrafts"), row.Int32("AcceptedStreak"));
        var transition = new PolicyTransition(entity.PartitionKey, state, (float)row.Double("Reward"), row.Int32("Label"), row.Boolean("EndsSegment"));
        return new TransitionRow(index, count, transition);
    }

    /// <summary>Whether two rows record the same transition (a replayed write, not a different one under the same key).</summary>
    public static bool Same(TransitionRow a, TransitionRow b)
    {
        var (x, y) = (a.Transition, b.Transition);
        return a.Index == b.Index && a.Count == b.Count
            && x.RunId == y.RunId && x.Reward.Equals(y.Reward) && x.Label == y.Label && x.EndsSegment == y.EndsSegment
            && x.State.Task == y.State.Task && x.State.History.SequenceEqual(y.State.History)
            && (x.State.DraftsInRound, x.State.AcceptedDrafts, x.State.RejectedDrafts, x.State.AcceptedStreak)
                == (y.State.DraftsInRound, y.State.AcceptedDrafts, y.State.RejectedDrafts, y.State.AcceptedStreak);
    }

    /// <summary>Splits a run's rows into transactions: at most 100 rows and 3 MiB each; the same rows split the same way.</summary>
    public static IEnumerable<List<TableEntity>> Batches(IReadOnlyList<TableEntity> entities)
    {
        var batch = new List<TableEntity>();
        var bytes = 0L;
        foreach (var entity in entities)
        {
            var size = EstimatedBytes(entity);
            if (batch.Count == MaximumBatchCount || (batch.Count > 0 && bytes + size > MaximumBatchBytes))
            {
                yield return batch;
                batch = [];
                bytes = 0;
            }

            batch.Add(entity);
            bytes += size;
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    private static string HistoryProperty(int part) => part == 0 ? "History" : $"History{part.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>An upper bound of the row's size as the service counts it (UTF-16 strings), and of its JSON on the wire.</summary>
    private static long EstimatedBytes(TableEntity entity) =>
        1024 + entity.Sum(p => 64 + (2L * p.Key.Length) + (p.Value is string s ? 2L * s.Length : 16));
}
