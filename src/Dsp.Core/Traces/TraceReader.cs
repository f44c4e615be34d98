using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dsp.Core.Traces;

/// <summary>
/// Reads <c>dsp-trace/1</c> JSON Lines files: one task a line, blank lines allowed. Every line is validated; the
/// first bad one stops the read with a <see cref="TraceFormatException"/> naming the file and line.
/// </summary>
public static class TraceReader
{
    /// <summary>Reads every trace of the files, in order.</summary>
    public static IReadOnlyList<AgentTrace> ReadFiles(IEnumerable<string> paths) =>
        paths.SelectMany(path => Read(File.OpenText(path), path)).ToList();

    /// <summary>Reads every trace of a file.</summary>
    public static IReadOnlyList<AgentTrace> ReadFile(string path) => ReadFiles([path]);

    /// <summary>Reads traces from a reader; <paramref name="source"/> names it in errors. Disposes the reader.</summary>
    public static IEnumerable<AgentTrace> Read(TextReader reader, string source)
    {
        using (reader)
        {
            var lineNumber = 0;
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                if (!string.IsNullOrWhiteSpace(line))
                {
                    yield return Parse(line, source, lineNumber);
                }
            }
        }
    }

    /// <summary>Parses one line.</summary>
    public static AgentTrace Parse(string line, string source, int lineNumber)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(line);
        }
        catch (JsonException e)
        {
            throw new TraceFormatException(source, lineNumber, $"not valid JSON ({e.Message})", e);
        }

        try
        {
            return ToTrace(node as JsonObject ?? throw Bad("a trace must be a JSON object"));
        }
        catch (InvalidTraceException e)
        {
            throw new TraceFormatException(source, lineNumber, e.Message, e);
        }
    }

    private static AgentTrace ToTrace(JsonObject json)
    {
        var schema = RequiredString(json, "schema");
        if (schema != AgentTrace.Schema)
        {
            throw Bad($"unsupported schema '{schema}' (expected '{AgentTrace.Schema}')");
        }

        var id = RequiredString(json, "id");
        var models = RequiredObject(json, "models");
        var steps = json["steps"] as JsonArray ?? throw Bad("'steps' is missing or not an array");
        if (steps.Count == 0)
        {
            throw Bad("'steps' is empty");
        }

        return new AgentTrace
        {
            Id = id,
            Benchmark = OptionalString(json, "benchmark"),
            Task = RequiredString(json, "task"),
            Models = new TraceModels(
                RequiredString(models, "draft", "models.draft"),
                RequiredString(models, "target", "models.target"),
                OptionalString(models, "draftStrategy"),
                OptionalString(models, "targetStrategy")),
            Judge = OptionalString(json, "judge") ?? "exact",
            Recorded = json["recorded"] is JsonObject recorded ? ToRecorded(recorded) : null,
            Steps = steps.Select((step, i) => ToStep(step, i)).ToList(),
        };
    }

    private static RecordedRun ToRecorded(JsonObject json)
    {
        var elapsed = RequiredNumber(json, "elapsedSeconds", "recorded.elapsedSeconds");
        var depths = json["roundDepths"] as JsonArray ?? throw Bad("'recorded.roundDepths' is missing or not an array");
        return new RecordedRun(elapsed, depths.Select((d, i) =>
        {
            var field = $"recorded.roundDepths[{i}]";
            return d is JsonValue v && v.TryGetValue(out int depth) && depth >= 0
                ? depth
                : throw Bad($"'{field}' must be a non-negative integer");
        }).ToList());
    }

    private static TraceStep ToStep(JsonNode? node, int index)
    {
        var step = node as JsonObject ?? throw Bad($"'steps[{index}]' is not an object");
        return new TraceStep(
            ToCall(RequiredObject(step, "draft", $"steps[{index}].draft"), $"steps[{index}].draft"),
            ToCall(RequiredObject(step, "target", $"steps[{index}].target"), $"steps[{index}].target"));
    }

    private static TraceCall ToCall(JsonObject json, string path)
    {
        var failed = json["failed"] is JsonValue f && f.TryGetValue(out bool isFailed) && isFailed;
        var text = failed ? OptionalString(json, "text") ?? string.Empty : RequiredString(json, "text", $"{path}.text");
        var prompt = RequiredCount(json, "promptTokens", path, allowNull: failed);
        var completion = RequiredCount(json, "completionTokens", path, allowNull: failed);
        var latency = failed && json["latencySeconds"] is null
            ? 0.0
            : RequiredNumber(json, "latencySeconds", $"{path}.latencySeconds");
        return new TraceCall(text, prompt, completion, latency, failed);
    }

    private static int RequiredCount(JsonObject json, string name, string path, bool allowNull)
    {
        var node = json[name];
        if (node is null && allowNull)
        {
            return 0;
        }

        return node is JsonValue v && v.TryGetValue(out int count) && count >= 0
            ? count
            : throw Bad($"'{path}.{name}' must be a non-negative integer");
    }

    private static double RequiredNumber(JsonObject json, string name, string path) =>
        json[name] is JsonValue v && v.TryGetValue(out double value) && double.IsFinite(value) && value >= 0
            ? value
            : throw Bad($"'{path}' must be a non-negative number");

    private static string RequiredString(JsonObject json, string name, string? path = null) =>
        json[name] is JsonValue v && v.TryGetValue(out string? value) && value is not null
            ? value
            : throw Bad($"'{path ?? name}' is missing or not a string");

    private static string? OptionalString(JsonObject json, string name) =>
        json[name] is JsonValue v && v.TryGetValue(out string? value) ? value : null;

    private static JsonObject RequiredObject(JsonObject json, string name, string? path = null) =>
        json[name] as JsonObject ?? throw Bad($"'{path ?? name}' is missing or not an object");

    private static InvalidTraceException Bad(string problem) => new(problem);

    private sealed class InvalidTraceException(string message) : Exception(message);
}
