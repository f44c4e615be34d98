using System.Text.Json;
using Dsp.Core.Agents;
using Dsp.Core.Judges;
using Dsp.Core.Policy;
using Dsp.Functions.Planning;
using Dsp.Functions.Policy;

namespace Dsp.Functions.Http;

/// <summary>
/// Reads and validates a <c>POST /api/plans</c> body, naming every field that is wrong: a value of the wrong JSON
/// type, out of range, or an unknown field (refused rather than ignored, so that a misspelt option is not silently
/// dropped). <c>null</c> stands for an optional field left out: its default applies.
/// </summary>
public sealed class PlanRequestValidator(IAgentProfiles agents)
{
    public const int MaxTaskLength = 8_000;
    public const float DefaultTradeoff = 0.5f;
    public const int DefaultMaxSteps = 20;

    /// <summary>The longest plan a request may ask for: a plan continues as new every few rounds, so its overhead per
    /// step stays flat up to this length (README, "On the real Durable backend", gives the measurement).</summary>
    public const int MaxSteps = 200;
    public const string DefaultAgents = "default";

    /// <summary>The largest value of time a plan may name: $1,000 per second saved.</summary>
    public const double MaxValueOfTime = 1000;

    /// <summary>The fields a request may have (<c>openapi.json</c>'s PlanRequest names the same).</summary>
    public static IReadOnlySet<string> Fields { get; } = new HashSet<string>(
        ["task", "policy", "valueOfTime", "tradeoff", "offset", "maxSteps", "judge", "agents", "traceId"], StringComparer.Ordinal);

    /// <summary>The plan input, or the errors by field name.</summary>
    public (PlanInput? Input, Dictionary<string, string[]> Errors) Validate(JsonElement body)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors["body"] = ["The body must be a JSON object."];
            return (null, errors);
        }

        foreach (var property in body.EnumerateObject())
        {
            if (!Fields.Contains(property.Name))
            {
                errors[property.Name] = [$"Unknown field. Known fields: {string.Join(", ", Fields)}."];
            }
        }

        var task = ReadString(body, "task", errors, required: true);
        if (task is not null && (string.IsNullOrWhiteSpace(task) || task.Length > MaxTaskLength))
        {
            errors["task"] = [$"The task must be 1 to {MaxTaskLength:N0} characters and not blank."];
        }

        // adaptive by default; a request that only sets dsp's knobs (written before there was a choice) plans with dsp.
        var setsDspKnobs = IsSet(body, "tradeoff") || IsSet(body, "offset");
        var policy = ReadString(body, "policy", errors) ?? (setsDspKnobs ? PolicyNames.Dsp : PolicyNames.Adaptive);
        if (!PolicyNames.All.Contains(policy))
        {
            errors["policy"] = [$"Unknown policy '{policy}'. Known policies: {string.Join(", ", PolicyNames.All)}."];
        }
        else if (policy == PolicyNames.Adaptive && setsDspKnobs)
        {
            errors[IsSet(body, "tradeoff") ? "tradeoff" : "offset"] = ["tradeoff and offset configure the dsp policy; the adaptive policy's knob is valueOfTime."];
        }
        else if (policy == PolicyNames.Dsp && IsSet(body, "valueOfTime"))
        {
            errors["valueOfTime"] = ["valueOfTime configures the adaptive policy; the dsp policy's knobs are tradeoff and offset."];
        }

        var valueOfTime = ReadNumber(body, "valueOfTime", errors) ?? PolicyOptions.DefaultValueOfTime;
        if (!errors.ContainsKey("valueOfTime") && !(valueOfTime is >= 0 and <= MaxValueOfTime))
        {
            errors["valueOfTime"] = [$"The value of time is dollars per second of latency saved, from 0 to {MaxValueOfTime:N0}."];
        }

        var tradeoff = ReadNumber(body, "tradeoff", errors) ?? DefaultTradeoff;
        if (!errors.ContainsKey("tradeoff") && !(tradeoff is > 0 and < 1))
        {
            errors["tradeoff"] = ["The tradeoff must lie strictly between 0 and 1."];
        }

        var offset = ReadInteger(body, "offset", -3, 5, errors) ?? 0;
        var maxSteps = ReadInteger(body, "maxSteps", 1, MaxSteps, errors) ?? DefaultMaxSteps;
        var judge = ReadString(body, "judge", errors) ?? StepJudges.Exact;
        if (!StepJudges.Names.Contains(judge))
        {
            errors["judge"] = [$"Unknown judge '{judge}'. Known judges: {string.Join(", ", StepJudges.Names)}."];
        }

        var agentsName = ReadString(body, "agents", errors) ?? DefaultAgents;
        var profile = agents.Find(agentsName);
        if (profile is null)
        {
            errors["agents"] = [$"Unknown agent profile '{agentsName}'. Known profiles: {string.Join(", ", agents.Names)}."];
        }

        var traceId = ReadString(body, "traceId", errors);
        var stepLimit = profile is not null && task is not null && !errors.ContainsKey("task") ? profile.StepLimit(task, traceId) : null;
        if (stepLimit == 0)
        {
            errors[traceId is null ? "task" : "traceId"] = [$"The '{agentsName}' agents replay recorded traces, and none plays this {(traceId is null ? "task" : "trace id")}."];
        }
        else if (traceId is not null && profile is not null && stepLimit is null && !errors.ContainsKey("task"))
        {
            // Live agents plan any task: a trace id would be carried along and ignored.
            errors["traceId"] = [$"The '{agentsName}' agents are live; a trace id only picks a recorded trace for replay agents."];
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return (new PlanInput(task!, (float)tradeoff, offset, Math.Min(maxSteps, stepLimit ?? maxSteps), judge, agentsName, traceId, policy, valueOfTime), errors);
    }

    private static bool IsSet(JsonElement body, string name) => body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    private static string? ReadString(JsonElement body, string name, Dictionary<string, string[]> errors, bool required = false)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors[name] = ["This field is required."];
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors[name] = ["This field must be a string."];
            return null;
        }

        return value.GetString();
    }

    private static double? ReadNumber(JsonElement body, string name, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number))
        {
            errors[name] = ["This field must be a number."];
            return null;
        }

        return number;
    }

    private static int? ReadInteger(JsonElement body, string name, int min, int max, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number) || number < min || number > max)
        {
            errors[name] = [$"This field must be a whole number from {min} to {max}."];
            return null;
        }

        return number;
    }
}
