using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Dsp.Functions.Http;

/// <summary>
/// <c>GET /api/openapi.json</c>: the API's OpenAPI 3.1 description (the repository's <c>openapi.json</c>, embedded in
/// the app). Anonymous, like a health probe: it describes the API and holds no data; the operations it lists still
/// need a function key.
/// </summary>
public sealed class OpenApiDocumentApi
{
    /// <summary>The embedded document's resource name.</summary>
    public const string ResourceName = "Dsp.Functions.openapi.json";

    private static readonly Lazy<byte[]> _document = new(() =>
    {
        using var stream = typeof(OpenApiDocumentApi).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The app was built without its OpenAPI document ({ResourceName}).");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    /// <summary>The document's bytes, exactly as served.</summary>
    public static ReadOnlyMemory<byte> Document => _document.Value;

    [Function(nameof(GetOpenApiDocument))]
    public IActionResult GetOpenApiDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        new FileContentResult(_document.Value, "application/json");
}
