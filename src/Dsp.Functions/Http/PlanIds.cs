using System.Buffers;

namespace Dsp.Functions.Http;

/// <summary>
/// Plan ids a client may choose (<c>PUT /api/plans/{id}</c>): 1 to 100 letters, digits, '-' or '_'. They name the
/// plan's durable instance and its rows in Table Storage, and travel in URLs, so they stay clear of what any of these
/// forbid or rewrite ('/', '\\', '#', '?', control characters, '.' and '..' path segments, a leading '~').
/// </summary>
public static class PlanIds
{
    public const int MaxLength = 100;

    /// <summary>The OpenAPI pattern of a plan id (<c>openapi.json</c> states the same).</summary>
    public const string Pattern = "^[A-Za-z0-9_-]{1,100}$";

    private static readonly SearchValues<char> _allowed = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>Why <paramref name="id"/> is not a valid plan id, or null when it is.</summary>
    public static string? Check(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.Length is 0 or > MaxLength || id.AsSpan().ContainsAnyExcept(_allowed)
            ? $"A plan id is 1 to {MaxLength} characters, each a letter (A-Z, a-z), a digit, '-' or '_'."
            : null;
    }
}
