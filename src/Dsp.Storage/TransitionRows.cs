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
/// Transitions as the first storage layout kept them in the <c>Transitions</c> table, which is still read (never
/// written): PartitionKey = run id, RowKey = 6-digit index; the state's task, counts and history (a JSON array of
/// strings, split over <c>History</c>, <c>History1</c>, … when longer than a property holds), reward, label and segment
/// end. <see cref="ToEntity"/> writes that format for the tests and the benchmark that need old rows.
/// </summary>
internal static class TransitionRows
{
    public const int FormatVersion = 1;

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
        TextProperties.Set(entity, "History", JsonSerializer.Serialize(state.History)); // ASCII: the default escaping
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

        var state = new PolicyState(
            row.String("Task"), TextProperties.ReadList(row, "History"), row.Int32("DraftsInRound"), row.Int32("AcceptedDrafts"), row.Int32("RejectedDrafts"), row.Int32("AcceptedStreak"));
        var transition = new PolicyTransition(entity.PartitionKey, state, (float)row.Double("Reward"), row.Int32("Label"), row.Boolean("EndsSegment"));
        return new TransitionRow(index, count, transition);
    }
}
