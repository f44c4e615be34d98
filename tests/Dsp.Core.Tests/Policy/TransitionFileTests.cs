using System.Text.Json.Nodes;
using Dsp.Core.Policy;

namespace Dsp.Core.Tests.Policy;

public sealed class TransitionFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dsp-transition-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Transitions_round_trip_through_a_file()
    {
        var odd = new PolicyState("tâche: \"quote\"\nand a newline", ["step τ", "{\"tool\": \"x\"}"], 1, 3, 2, 1);
        IReadOnlyList<PolicyTransition> transitions =
            [.. PolicyTraining.EasyAndHardRuns(2), new PolicyTransition("odd", odd, 0f, 1, true)];
        var path = Path.Combine(_directory, "t.jsonl");

        TransitionFile.Write(path, transitions);
        var read = TransitionFile.Read(path);

        Assert.Equal(transitions.Count, File.ReadAllLines(path).Length);
        Assert.Equal(transitions.Select(Flatten), read.Select(Flatten));
    }

    [Fact]
    public void Lines_are_camel_case_json()
    {
        var path = Path.Combine(_directory, "t.jsonl");
        TransitionFile.Write(path, PolicyTraining.EasyAndHardRuns(1).Take(1));

        var line = JsonNode.Parse(File.ReadAllLines(path).Single())!.AsObject();

        Assert.Equal(["runId", "state", "reward", "label", "endsSegment"], line.Select(p => p.Key));
        Assert.Equal(
            ["task", "history", "draftsInRound", "acceptedDrafts", "rejectedDrafts", "acceptedStreak"],
            line["state"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void Several_files_are_read_in_order_and_blank_lines_are_skipped()
    {
        var runs = PolicyTraining.EasyAndHardRuns(2);
        var first = Path.Combine(_directory, "a.jsonl");
        var second = Path.Combine(_directory, "b.jsonl");
        TransitionFile.Write(first, runs.Take(9));
        TransitionFile.Write(second, runs.Skip(9));
        File.WriteAllLines(second, ["", .. File.ReadAllLines(second), "   "]);

        var read = TransitionFile.Read(first, second);

        Assert.Equal(runs.Select(Flatten), read.Select(Flatten));
    }

    [Fact]
    public void A_broken_json_line_is_named_by_file_and_line()
    {
        var path = Lines(Line(), "", "{\"runId\": \"r\", \"state\": ");

        var error = Assert.Throws<TransitionFormatException>(() => TransitionFile.Read(path));

        Assert.Equal(path, error.File);
        Assert.Equal(3, error.Line);
        Assert.StartsWith($"{path}:3: not valid JSON", error.Message);
    }

    [Theory]
    [InlineData("runId")]
    [InlineData("reward")]
    [InlineData("endsSegment")]
    [InlineData("state.history")]
    [InlineData("state.acceptedStreak")]
    public void A_missing_field_is_named(string field)
    {
        var line = JsonNode.Parse(Line())!.AsObject();
        var parent = field.StartsWith("state.", StringComparison.Ordinal) ? line["state"]!.AsObject() : line;
        parent.Remove(field.Split('.')[^1]);
        var path = Lines(Line(), line.ToJsonString());

        var error = Assert.Throws<TransitionFormatException>(() => TransitionFile.Read(path));

        Assert.Equal($"{path}:2: '{field}' is missing or null", error.Message);
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_named()
    {
        var path = Lines(Line().Replace("\"label\":1", "\"label\":\"one\"", StringComparison.Ordinal));

        var error = Assert.Throws<TransitionFormatException>(() => TransitionFile.Read(path));

        Assert.StartsWith($"{path}:1: not valid JSON for a transition", error.Message);
        Assert.Contains("$.label", error.Message);
    }

    [Fact]
    public void An_impossible_label_is_named_with_its_line()
    {
        var path = Lines(Line(), "", Line().Replace("\"label\":1", "\"label\":0", StringComparison.Ordinal));

        var error = Assert.Throws<TransitionFormatException>(() => TransitionFile.Read(path));

        Assert.Equal(3, error.Line);
        Assert.Equal($"{path}:3: run 'r': label 0 is below 1", error.Message);
        Assert.IsType<InvalidTransitionException>(error.InnerException);
    }

    [Fact]
    public void A_segment_left_open_is_named_at_its_line_in_the_second_file()
    {
        var first = Lines(Line());
        var open = Line()
            .Replace("\"reward\":0", "\"reward\":1", StringComparison.Ordinal)
            .Replace("\"label\":1", "\"label\":2", StringComparison.Ordinal)
            .Replace("\"endsSegment\":true", "\"endsSegment\":false", StringComparison.Ordinal);
        var second = Lines("", open);

        var error = Assert.Throws<TransitionFormatException>(() => TransitionFile.Read(first, second));

        Assert.Equal((second, 2), (error.File, error.Line));
        Assert.Contains("does not end its segment", error.Message);
    }

    /// <summary>One valid transition (a rejected first draft) as a line.</summary>
    private static string Line() =>
        """{"runId":"r","state":{"task":"t","history":[],"draftsInRound":0,"acceptedDrafts":0,"rejectedDrafts":0,"acceptedStreak":0},"reward":0,"label":1,"endsSegment":true}""";

    private string Lines(params string[] lines)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static string Flatten(PolicyTransition t) =>
        $"{t.RunId}|{t.State.Task}|{string.Join('\u241f', t.State.History)}|{t.State.DraftsInRound}|{t.State.AcceptedDrafts}|"
        + $"{t.State.RejectedDrafts}|{t.State.AcceptedStreak}|{t.Reward}|{t.Label}|{t.EndsSegment}";
}
