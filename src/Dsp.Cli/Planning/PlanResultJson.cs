using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dsp.Cli.Planning;

/// <summary>How <c>dsp plan --json</c> writes a plan: camelCase, indented, enums by name.</summary>
internal static class PlanResultJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };
}
