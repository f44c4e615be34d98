using System.Text.Json.Nodes;

namespace Dsp.Core.Traces;

/// <summary>Writes <c>dsp-trace/1</c> JSON Lines that <see cref="TraceReader"/> reads back: one task a line.</summary>
public static class TraceWriter
{
    /// <summary>Writes the traces to a file, replacing it.</summary>
    public static void WriteFile(string path, IEnumerable<AgentTrace> traces)
    {
        using var writer = File.CreateText(path);
        Write(writer, traces);
    }

    /// <summary>Writes the traces, one line each.</summary>
    public static void Write(TextWriter writer, IEnumerable<AgentTrace> traces)
    {
        foreach (var trace in traces)
        {
            writer.Write(ToJson(trace));
            writer.Write('\n');
        }
    }

    /// <summary>One trace as a single JSON line.</summary>
    public static string ToJson(AgentTrace trace)
    {
        var models = new JsonObject { ["draft"] = trace.Models.Draft };
        if (trace.Models.DraftStrategy is { } draftStrategy)
        {
            models["draftStrategy"] = draftStrategy;
        }

        models["target"] = trace.Models.Target;
        if (trace.Models.TargetStrategy is { } targetStrategy)
        {
            models["targetStrategy"] = targetStrategy;
        }

        var json = new JsonObject { ["schema"] = AgentTrace.Schema, ["id"] = trace.Id };
        if (trace.Benchmark is { } benchmark)
        {
            json["benchmark"] = benchmark;
        }

        json["task"] = trace.Task;
        json["models"] = models;
        json["judge"] = trace.Judge;
        if (trace.Recorded is { } recorded)
        {
            json["recorded"] = new JsonObject
            {
                ["elapsedSeconds"] = Round(recorded.ElapsedSeconds),
                ["roundDepths"] = new JsonArray([.. recorded.RoundDepths.Select(d => (JsonNode)d)]),
            };
        }

        json["steps"] = new JsonArray([.. trace.Steps.Select(step => (JsonNode)new JsonObject
        {
            ["draft"] = ToJson(step.Draft),
            ["target"] = ToJson(step.Target),
        })]);
        return json.ToJsonString();
    }

    private static JsonObject ToJson(TraceCall call)
    {
        var json = new JsonObject
        {
            ["text"] = call.Text,
            ["promptTokens"] = call.PromptTokens,
            ["completionTokens"] = call.CompletionTokens,
            ["latencySeconds"] = Round(call.LatencySeconds),
        };
        if (call.Failed)
        {
            json["failed"] = true;
        }

        return json;
    }

    private static double Round(double seconds) => Math.Round(seconds, 3);
}
