using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Dsp.Functions.Planning;

/// <summary>
/// How a plan's stored documents (<see cref="Dsp.Core.Runs.IPlanContentStore"/>: context chunks and segments) are
/// written and named. A name is the document's kind and number and a hash of its JSON, so the orchestrator can name a
/// document before it is stored (deterministically, on every replay), a repeated write stores nothing new, and a
/// document written by an orchestration episode that was never committed (its worker died; the replay decided
/// otherwise) can never be mistaken for the one the replay refers to.
/// </summary>
public static class PlanContent
{
    /// <summary>The documents' JSON: camelCase, and text kept as it is (stored, never embedded in HTML), so that it costs
    /// no more than the text.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The name of <paramref name="document"/>: <c>{kind}-{number:D5}-{hash}</c>.</summary>
    public static string Name<T>(string kind, int number, T document)
    {
        var hash = SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(document, Json));
        return $"{kind}-{number:D5}-{Convert.ToHexStringLower(hash.AsSpan(0, 12))}";
    }

    public static string Serialize<T>(T document) => JsonSerializer.Serialize(document, Json);

    /// <exception cref="InvalidOperationException">The document is missing or not of this kind.</exception>
    public static T Deserialize<T>(string runId, string name, string? json)
        where T : class =>
        json is null
            ? throw new InvalidOperationException($"Plan {runId} refers to its document '{name}', which is not stored.")
            : JsonSerializer.Deserialize<T>(json, Json) ?? throw new InvalidOperationException($"Plan {runId}'s document '{name}' is empty.");
}
