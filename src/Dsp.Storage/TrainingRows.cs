using System.Globalization;
using Azure.Data.Tables;
using Dsp.Core.Acceptance;
using Dsp.Core.Planning;
using Dsp.Core.Policy;
using Dsp.Core.Runs;

namespace Dsp.Storage;

/// <summary>A run's header row as a read finds it: what it commits, and when the service wrote it.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Table">The table it is in.</param>
/// <param name="Entity">The stored header.</param>
/// <param name="Transitions">How many transition rows the run has.</param>
/// <param name="Drafts">How many judged-draft rows it has.</param>
/// <param name="TextRows">How many rows continue the header's text.</param>
/// <param name="CommittedAt">The header's <c>Timestamp</c>: when the run became readable (it is written last).</param>
internal sealed record RunHeader(string RunId, string Table, TableEntity Entity, int Transitions, int Drafts, int TextRows, DateTimeOffset CommittedAt)
{
    /// <summary>Transitions and judged drafts: what a read is capped by.</summary>
    public int Rows => Transitions + Drafts;

    /// <summary>Every row of the run, the header included.</summary>
    public int Entities => 1 + Transitions + Drafts + TextRows;
}

/// <summary>
/// A run's training data as rows of a training table (one table per UTC day of completion), all in the partition of
/// its completion hour (<c>yyyyMMddHH</c>), so that one transaction can write a run whole:
/// <list type="bullet">
/// <item><c>{runId}~h</c>, the header, written last (it commits the run): the task and the run's steps once (JSON; a
/// transition's history and a draft's prefix are the first steps of it), the counts of the other rows and the
/// completion time. Text beyond what one row holds continues in <c>{runId}~x000000</c>, <c>~x000001</c>, ….</item>
/// <item><c>{runId}~t{i:D6}</c>, transition i: its reward, label, segment end, the state's counts and history length
/// (the full history and task only when they are not the run's steps and task).</item>
/// <item><c>{runId}~d{i:D6}</c>, judged draft i: its position, round offset, text, verdict and the usage of the draft
/// call and of the target call of its position.</item>
/// </list>
/// </summary>
internal static class TrainingRows
{
    public const int FormatVersion = 2;

    /// <summary>Six-digit row indexes.</summary>
    public const int MaximumPerKind = 999_999;

    /// <summary>Row keys end with <c>~h</c> or <c>~</c>, a kind letter and 6 digits: run ids up to this long fit a key.</summary>
    public const int MaximumRunIdLength = 500;

    public const char TransitionKind = 't';
    public const char DraftKind = 'd';
    public const char TextKind = 'x';

    private const string HeaderSuffix = "~h";

    /// <summary>The partition of runs completed in the same UTC hour.</summary>
    public static string PartitionKey(DateTimeOffset completedAt) =>
        completedAt.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    /// <summary>The UTC day whose table holds runs completed at <paramref name="completedAt"/>.</summary>
    public static DateOnly Day(DateTimeOffset completedAt) => DateOnly.FromDateTime(completedAt.UtcDateTime);

    public static string HeaderKey(string runId) => runId + HeaderSuffix;

    public static string RowKey(string runId, char kind, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{runId}~{kind}{index:D6}");

    /// <summary>A range of row keys that holds all of a run's rows (and perhaps rows of runs whose ids extend its id
    /// with <c>~</c>: parse the keys).</summary>
    public static (string From, string To) RunRange(string runId) => (runId + "~", runId + "~~");

    /// <summary>The run and kind of a row key (<c>h</c> for the header, index 0).</summary>
    public static bool TryParseKey(string rowKey, out string runId, out char kind, out int index)
    {
        if (rowKey.Length > HeaderSuffix.Length && rowKey.EndsWith(HeaderSuffix, StringComparison.Ordinal))
        {
            (runId, kind, index) = (rowKey[..^HeaderSuffix.Length], 'h', 0);
            return true;
        }

        if (rowKey.Length > 8 && rowKey[^8] == '~' && rowKey[^7] is TransitionKind or DraftKind or TextKind
            && int.TryParse(rowKey.AsSpan(rowKey.Length - 6), NumberStyles.None, CultureInfo.InvariantCulture, out index))
        {
            (runId, kind) = (rowKey[..^8], rowKey[^7]);
            return true;
        }

        (runId, kind, index) = ("", '\0', 0);
        return false;
    }

    /// <summary>Validates a run and makes its rows: transitions, judged drafts and text rows, then the header.</summary>
    /// <exception cref="ArgumentException">The run is inconsistent or a row would be larger than the service allows.</exception>
    public static List<TableEntity> ToEntities(RunTrainingData run)
    {
        var (runId, transitions, examples) = (run.RunId, run.Transitions, run.Examples);
        TableKeys.Validate(runId, nameof(run));
        if (runId.Length > MaximumRunIdLength)
        {
            throw new ArgumentException($"Run id '{runId}' is longer than {MaximumRunIdLength} characters.", nameof(run));
        }

        ArgumentNullException.ThrowIfNull(transitions);
        ArgumentNullException.ThrowIfNull(examples);
        if (examples.RunId != runId)
        {
            throw new ArgumentException($"The judged drafts belong to run '{examples.RunId}', not '{runId}'.", nameof(run));
        }

        examples.Validated();
        if (transitions.Count > MaximumPerKind || examples.Drafts.Count > MaximumPerKind)
        {
            throw new ArgumentException(
                $"A run records at most {MaximumPerKind} transitions and as many judged drafts; run '{runId}' has {transitions.Count} and {examples.Drafts.Count}.", nameof(run));
        }

        var partition = PartitionKey(run.CompletedAt);
        var steps = StepsOf(examples.Plan, transitions);
        var entities = new List<TableEntity>(transitions.Count + examples.Drafts.Count + 1);
        for (var i = 0; i < transitions.Count; i++)
        {
            if (transitions[i].RunId != runId)
            {
                throw new ArgumentException($"Transition {i} belongs to run '{transitions[i].RunId}', not '{runId}'.", nameof(run));
            }

            entities.Add(Checked(TransitionEntity(new TableEntity(partition, RowKey(runId, TransitionKind, i)), transitions[i], examples.Task, steps), runId));
        }

        for (var i = 0; i < examples.Drafts.Count; i++)
        {
            entities.Add(Checked(DraftEntity(new TableEntity(partition, RowKey(runId, DraftKind, i)), examples.Drafts[i]), runId));
        }

        var header = new TableEntity(partition, HeaderKey(runId))
        {
            ["Format"] = FormatVersion,
            ["RunId"] = runId,
            ["CompletedAt"] = run.CompletedAt.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture),
            ["Transitions"] = transitions.Count,
            ["Drafts"] = examples.Drafts.Count,
            ["StepCount"] = steps.Count,
            ["PlanLength"] = examples.Plan.Count,
            ["TextRows"] = 0,
        };
        var text = TextProperties.Parts("Task", examples.Task);
        var stepsJson = TextProperties.Parts("Steps", TextProperties.ToJson(steps));
        header[TextProperties.PartsProperty("Task")] = text.Count;
        header[TextProperties.PartsProperty("Steps")] = stepsJson.Count;
        text.AddRange(stepsJson);
        entities.AddRange(PackText(header, text, runId));
        entities.Add(header);
        return entities;
    }

    /// <summary>Reads a run's header (what a read needs to choose runs; the rest is read by <see cref="Read"/>).</summary>
    public static RunHeader ReadHeader(string table, TableEntity entity)
    {
        var row = new RowReader(table, entity);
        var format = row.Int32("Format");
        if (format != FormatVersion)
        {
            throw row.Invalid($"row format {format} is not supported (this build reads {FormatVersion})");
        }

        var runId = row.String("RunId");
        if (HeaderKey(runId) != entity.RowKey)
        {
            throw row.Invalid($"it is the header of run '{runId}', which its key does not name");
        }

        var committed = entity.Timestamp ?? throw row.Invalid("it has no timestamp");
        return new RunHeader(runId, table, entity, Count(row, "Transitions"), Count(row, "Drafts"), Count(row, "TextRows"), committed);
    }

    /// <summary>Rebuilds a run from its header and its other rows (all of them, in any order).</summary>
    /// <exception cref="InvalidRowException">A row cannot be part of the run, or one is missing.</exception>
    public static RunTrainingData Read(RunHeader header, IReadOnlyList<TableEntity> rows)
    {
        var table = header.Table;
        var byKind = new Dictionary<char, SortedList<int, TableEntity>>
        {
            [TransitionKind] = [], [DraftKind] = [], [TextKind] = [],
        };
        foreach (var entity in rows)
        {
            if (!TryParseKey(entity.RowKey, out var runId, out var kind, out var index) || runId != header.RunId || kind == 'h')
            {
                throw new InvalidRowException(table, entity.PartitionKey, entity.RowKey, $"it is not a row of run '{header.RunId}'");
            }

            byKind[kind][index] = entity;
        }

        var headerRow = new RowReader(table, header.Entity);
        foreach (var (kind, count, what) in new[] { (TransitionKind, header.Transitions, "transition"), (DraftKind, header.Drafts, "judged draft"), (TextKind, header.TextRows, "text row") })
        {
            var found = byKind[kind];
            if (found.Count != count || (count > 0 && found.Keys[^1] != count - 1))
            {
                throw headerRow.Invalid($"the run has {count} {what}s but {found.Count} rows with indexes 0-{count - 1} are stored");
            }
        }

        var merged = new TableEntity(header.Entity.PartitionKey, header.Entity.RowKey);
        foreach (var entity in byKind[TextKind].Values.Prepend(header.Entity))
        {
            foreach (var (name, value) in entity.Where(p => p.Key is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag")))
            {
                merged[name] = value;
            }
        }

        var run = new RowReader(table, merged);
        var task = TextProperties.Read(run, "Task");
        var steps = TextProperties.ReadList(run, "Steps");
        var planLength = run.Int32("PlanLength");
        if (run.Int32("StepCount") != steps.Length || planLength < 0 || planLength > steps.Length)
        {
            throw run.Invalid($"it counts {run.Int32("StepCount")} steps and a plan of {planLength} but holds {steps.Length} steps");
        }

        if (!DateTimeOffset.TryParseExact(run.String("CompletedAt"), "o", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var completedAt))
        {
            throw run.Invalid("property 'CompletedAt' is not a round-trip date and time");
        }

        var transitions = byKind[TransitionKind].Values.Select(e => ReadTransition(table, e, header.RunId, task, steps)).ToArray();
        var drafts = byKind[DraftKind].Values.Select(e => ReadDraft(table, e)).ToArray();
        var examples = new RunExamples(header.RunId, task, new ArraySegment<string>(steps, 0, planLength), drafts);
        try
        {
            examples.Validated();
        }
        catch (ArgumentException e)
        {
            throw run.Invalid(e.Message);
        }

        return new RunTrainingData(header.RunId, completedAt, transitions, examples);
    }

    /// <summary>The run's steps: its verified plan, extended by a transition history that goes on past it. Every
    /// history that is a prefix of them is stored as its length only.</summary>
    private static List<string> StepsOf(IReadOnlyList<string> plan, IReadOnlyList<PolicyTransition> transitions)
    {
        IReadOnlyList<string> steps = plan;
        foreach (var transition in transitions)
        {
            var history = transition.State.History;
            if (!IsPrefix(history, steps) && IsPrefix(steps, history))
            {
                steps = history;
            }
        }

        return [.. steps];
    }

    private static bool IsPrefix(IReadOnlyList<string> prefix, IReadOnlyList<string> of)
    {
        if (prefix.Count > of.Count)
        {
            return false;
        }

        for (var i = 0; i < prefix.Count; i++)
        {
            if (!string.Equals(prefix[i], of[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static TableEntity TransitionEntity(TableEntity entity, PolicyTransition transition, string task, List<string> steps)
    {
        var state = transition.State;
        entity["Reward"] = (double)transition.Reward;
        entity["Label"] = transition.Label;
        entity["EndsSegment"] = transition.EndsSegment;
        entity["DraftsInRound"] = state.DraftsInRound;
        entity["AcceptedDrafts"] = state.AcceptedDrafts;
        entity["RejectedDrafts"] = state.RejectedDrafts;
        entity["AcceptedStreak"] = state.AcceptedStreak;
        if (IsPrefix(state.History, steps))
        {
            entity["HistoryLength"] = state.History.Count;
        }
        else
        {
            TextProperties.SetList(entity, "History", state.History);
        }

        if (!string.Equals(state.Task, task, StringComparison.Ordinal))
        {
            TextProperties.Set(entity, "Task", state.Task);
        }

        return entity;
    }

    private static PolicyTransition ReadTransition(string table, TableEntity entity, string runId, string task, string[] steps)
    {
        var row = new RowReader(table, entity);
        IReadOnlyList<string> history;
        if (row.Int32OrNull("HistoryLength") is { } length)
        {
            history = length >= 0 && length <= steps.Length
                ? new ArraySegment<string>(steps, 0, length)
                : throw row.Invalid($"its history of {length} steps is not within the run's {steps.Length} steps");
        }
        else
        {
            history = TextProperties.ReadList(row, "History");
        }

        var state = new PolicyState(
            entity.ContainsKey(TextProperties.PartsProperty("Task")) ? TextProperties.Read(row, "Task") : task,
            history,
            row.Int32("DraftsInRound"),
            row.Int32("AcceptedDrafts"),
            row.Int32("RejectedDrafts"),
            row.Int32("AcceptedStreak"));
        return new PolicyTransition(runId, state, (float)row.Double("Reward"), row.Int32("Label"), row.Boolean("EndsSegment"));
    }

    private static TableEntity DraftEntity(TableEntity entity, DraftRecord draft)
    {
        entity["Position"] = draft.Position;
        entity["RoundOffset"] = draft.RoundOffset;
        entity["Accepted"] = draft.Accepted;
        TextProperties.Set(entity, "Draft", draft.Draft);
        SetUsage(entity, "Draft", draft.DraftUsage);
        SetUsage(entity, "Target", draft.TargetUsage);
        return entity;
    }

    private static DraftRecord ReadDraft(string table, TableEntity entity)
    {
        var row = new RowReader(table, entity);
        return new DraftRecord(
            row.Int32("Position"), row.Int32("RoundOffset"), TextProperties.Read(row, "Draft"), row.Boolean("Accepted"), Usage(row, "Draft"), Usage(row, "Target"));
    }

    private static void SetUsage(TableEntity entity, string call, CallUsage usage)
    {
        entity[call + "PromptTokens"] = usage.PromptTokens;
        entity[call + "CompletionTokens"] = usage.CompletionTokens;
        entity[call + "LatencySeconds"] = usage.LatencySeconds;
        entity[call + "Cancelled"] = usage.Cancelled;
        entity[call + "Retries"] = usage.Retries;
    }

    private static CallUsage Usage(RowReader row, string call) => new(
        row.Int32(call + "PromptTokens"),
        row.Int32(call + "CompletionTokens"),
        row.Double(call + "LatencySeconds"),
        row.Boolean(call + "Cancelled"),
        row.Int32(call + "Retries"));

    /// <summary>Puts as much of the text on the header as it holds, and the rest on text rows (returned).</summary>
    private static List<TableEntity> PackText(TableEntity header, List<KeyValuePair<string, object>> parts, string runId)
    {
        var rows = new List<TableEntity>();
        var target = header;
        foreach (var (name, value) in parts)
        {
            target[name] = value;
            if (TableBatches.EntityBytes(target) <= TableBatches.MaximumEntityBytes)
            {
                continue;
            }

            target.Remove(name);
            target = new TableEntity(header.PartitionKey, RowKey(runId, TextKind, rows.Count));
            rows.Add(target);
            target[name] = value;
        }

        header["TextRows"] = rows.Count;
        return rows;
    }

    private static TableEntity Checked(TableEntity entity, string runId) =>
        TableBatches.EntityBytes(entity) <= TableBatches.MaximumEntityBytes
            ? entity
            : throw new ArgumentException(
                $"Row '{entity.RowKey}' of run '{runId}' is too large to store ({TableBatches.EntityBytes(entity) >> 10} KiB; a row holds 1 MiB).");

    private static int Count(RowReader row, string name)
    {
        var count = row.Int32(name);
        return count is >= 0 and <= MaximumPerKind ? count : throw row.Invalid($"property '{name}' is {count}");
    }
}
