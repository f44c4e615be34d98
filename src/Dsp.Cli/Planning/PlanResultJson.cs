using System.Text.Json;
using Dsp.Functions.Http;

namespace Dsp.Cli.Planning;

/// <summary>How <c>dsp plan --json</c> writes a plan: the HTTP API's JSON contract (<see cref="ApiJson"/>), indented.</summary>
internal static class PlanResultJson
{
    public static JsonSerializerOptions Options { get; } = new(ApiJson.Options) { WriteIndented = true };
}
