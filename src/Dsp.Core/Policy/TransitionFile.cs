using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dsp.Core.Policy;

/// <summary>
/// Transitions as JSON Lines, one <see cref="PolicyTransition"/> a line (camelCase: <c>runId</c>, <c>state</c>
/// {<c>task</c>, <c>history</c>, <c>draftsInRound</c>, <c>acceptedDrafts</c>, <c>rejectedDrafts</c>,
/// <c>acceptedStreak</c>}, <c>reward</c>, <c>label</c>, <c>endsSegment</c>), so that a run's transitions can be
/// saved, inspected and trained on offline.
/// </summary>
public static partial class TransitionFile
{
    /// <summary>Writes <paramref name="transitions"/> to <paramref name="path"/>, one line each, replacing the file.</summary>
    public static void Write(string path, IEnumerable<PolicyTransition> transitions)
    {
        using var stream = File.Create(path);
        foreach (var transition in transitions)
        {
            JsonSerializer.Serialize(stream, TransitionLine.From(transition), TransitionJsonContext.Default.TransitionLine);
            stream.WriteByte((byte)'\n');
        }
    }

    /// <summary>
    /// Reads every transition of the files, in order, skipping blank lines, and checks the batch with
    /// <see cref="TransitionValidator"/>. Throws <see cref="TransitionFormatException"/> naming the file and line of
    /// the first line that is not a transition or of the first transition that cannot be right.
    /// </summary>
    public static IReadOnlyList<PolicyTransition> Read(params IEnumerable<string> paths)
    {
        var transitions = new List<PolicyTransition>();
        var origins = new List<(string File, int Line)>();
        foreach (var path in paths)
        {
            var lineNumber = 0;
            foreach (var line in File.ReadLines(path))
            {
                lineNumber++;
                if (!string.IsNullOrWhiteSpace(line))
                {
                    transitions.Add(Parse(line, path, lineNumber));
                    origins.Add((path, lineNumber));
                }
            }
        }

        try
        {
            TransitionValidator.Validate(transitions);
        }
        catch (InvalidTransitionException e)
        {
            var (file, line) = origins[e.Index];
            throw new TransitionFormatException(file, line, $"run '{e.RunId}': {e.Problem}", e);
        }

        return transitions;
    }

    private static PolicyTransition Parse(string line, string file, int lineNumber)
    {
        TransitionLine? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(line, TransitionJsonContext.Default.TransitionLine);
        }
        catch (JsonException e)
        {
            throw new TransitionFormatException(file, lineNumber, $"not valid JSON for a transition ({e.Message})", e);
        }

        var problem = parsed is null ? "a transition must be a JSON object" : parsed.Missing();
        return problem is null ? parsed!.ToTransition() : throw new TransitionFormatException(file, lineNumber, problem);
    }

    /// <summary>A transition as stored: every member nullable, so that a missing one can be named.</summary>
    private sealed record TransitionLine(string? RunId, StateLine? State, float? Reward, int? Label, bool? EndsSegment)
    {
        public static TransitionLine From(PolicyTransition t) => new(
            t.RunId,
            new StateLine(t.State.Task, [.. t.State.History], t.State.DraftsInRound, t.State.AcceptedDrafts, t.State.RejectedDrafts, t.State.AcceptedStreak),
            t.Reward,
            t.Label,
            t.EndsSegment);

        /// <summary>The first missing member, as a problem, or null.</summary>
        public string? Missing() =>
            RunId is null ? MissingField("runId")
            : State is null ? MissingField("state")
            : Reward is null ? MissingField("reward")
            : Label is null ? MissingField("label")
            : EndsSegment is null ? MissingField("endsSegment")
            : State.Missing();

        /// <summary>The transition; call only when <see cref="Missing"/> is null.</summary>
        public PolicyTransition ToTransition() => new(RunId!, State!.ToState(), Reward!.Value, Label!.Value, EndsSegment!.Value);
    }

    private sealed record StateLine(
        string? Task,
        string?[]? History,
        int? DraftsInRound,
        int? AcceptedDrafts,
        int? RejectedDrafts,
        int? AcceptedStreak)
    {
        public string? Missing() =>
            Task is null ? MissingField("state.task")
            : History is null ? MissingField("state.history")
            : Array.IndexOf(History, null) is var i and >= 0 ? $"'state.history[{i}]' is null"
            : DraftsInRound is null ? MissingField("state.draftsInRound")
            : AcceptedDrafts is null ? MissingField("state.acceptedDrafts")
            : RejectedDrafts is null ? MissingField("state.rejectedDrafts")
            : AcceptedStreak is null ? MissingField("state.acceptedStreak")
            : null;

        public PolicyState ToState() =>
            new(Task!, Array.ConvertAll(History!, step => step!), DraftsInRound!.Value, AcceptedDrafts!.Value, RejectedDrafts!.Value, AcceptedStreak!.Value);
    }

    private static string MissingField(string name) => $"'{name}' is missing or null";

    [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
    [JsonSerializable(typeof(TransitionLine))]
    private sealed partial class TransitionJsonContext : JsonSerializerContext;
}
