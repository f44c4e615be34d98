using System.Globalization;
using System.Text;
using System.Text.Json;
using Dsp.Functions.Http;
using Json.Schema;
using Microsoft.OpenApi;

namespace Dsp.Functions.Tests;

/// <summary>
/// The API's OpenAPI document (<c>src/Dsp.Functions/openapi.json</c>, as the app serves it), read with Microsoft.OpenApi, and real answers
/// checked against it: status code, media type, body (JSON Schema 2020-12, the dialect of OpenAPI 3.1, with
/// JsonSchema.Net; every object schema forbids properties it does not name) and headers.
/// </summary>
internal static class ApiContract
{
    private static readonly Uri _base = new("https://dsp.local/openapi.json");

    private static readonly Lazy<(OpenApiDocument Document, JsonDocument Json, BuildOptions Schemas)> _loaded = new(Load);

    public static OpenApiDocument Document => _loaded.Value.Document;

    /// <summary>The document as plain JSON.</summary>
    public static JsonElement Json => _loaded.Value.Json.RootElement;

    /// <summary>Every documented answer: path template (as in the document), method, status code.</summary>
    public static IEnumerable<(string Path, HttpMethod Method, string Status)> DocumentedAnswers() =>
        from path in Document.Paths
        from operation in path.Value.Operations!
        from response in operation.Value.Responses!
        select (path.Key, operation.Key, response.Key);

    public static OpenApiOperation Operation(string path, HttpMethod method) =>
        Document.Paths.TryGetValue(path, out var item) && item.Operations!.TryGetValue(method, out var operation)
            ? operation
            : throw new InvalidOperationException($"The document has no {method} {path}.");

    /// <summary>Problems with <paramref name="instance"/> against a component schema (empty: it is valid).</summary>
    public static IReadOnlyList<string> Check(string schemaName, JsonElement instance) =>
        Evaluate($"#/components/schemas/{schemaName}", instance);

    /// <summary>
    /// Problems with a real answer to <paramref name="method"/> <paramref name="path"/> (a path template of the
    /// document): its status must be documented, its media type and body must match the documented content (no
    /// body where none is documented), and every documented header must be present and valid.
    /// </summary>
    public static async Task<IReadOnlyList<string>> CheckAnswerAsync(string path, HttpMethod method, HttpResponseMessage response)
    {
        var status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        if (!Operation(path, method).Responses!.TryGetValue(status, out var documented))
        {
            return [$"{method} {path} answered {status}, which the document does not describe."];
        }

        var problems = new List<string>();
        var body = await response.Content.ReadAsByteArrayAsync();
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var answer = Pointer("paths", path, method.Method.ToLowerInvariant(), "responses", status);
        if (documented.Content is not { Count: > 0 } content)
        {
            if (body.Length > 0)
            {
                problems.Add($"{method} {path} {status} has a body ({mediaType}) where the document describes none.");
            }
        }
        else if (mediaType is null || !content.ContainsKey(mediaType))
        {
            problems.Add($"{method} {path} {status} answered '{mediaType}', not one of {string.Join(", ", content.Keys)}.");
        }
        else
        {
            using var json = JsonDocument.Parse(body);
            var schema = documented is OpenApiResponseReference reference
                ? Pointer("components", "responses", reference.Reference.Id!, "content", mediaType, "schema")
                : $"{answer}/{Pointer("content", mediaType, "schema")[2..]}";
            problems.AddRange(Evaluate(schema, json.RootElement).Select(p => $"{method} {path} {status}: {p}"));
        }

        foreach (var (name, header) in documented.Headers ?? new Dictionary<string, IOpenApiHeader>())
        {
            var value = HeaderValue(response, name);
            if (value is null)
            {
                if (header.Required)
                {
                    problems.Add($"{method} {path} {status} lacks the header {name}.");
                }

                continue;
            }

            using var json = JsonDocument.Parse(header.Schema!.Type == JsonSchemaType.Integer ? value : JsonSerializer.Serialize(value));
            problems.AddRange(Evaluate(Pointer("components", "headers", name, "schema"), json.RootElement).Select(p => $"{method} {path} {status} header {name}: {p}"));
        }

        return problems;
    }

    private static string? HeaderValue(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : null;

    private static IReadOnlyList<string> Evaluate(string pointer, JsonElement instance)
    {
        var schema = JsonSchema.FromText($$"""{"$ref": "{{_base}}{{pointer}}"}""", _loaded.Value.Schemas);
        var results = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        return results.IsValid
            ? []
            : [.. new[] { results }.Concat(results.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value} ({d.EvaluationPath})"))];
    }

    /// <summary>A JSON pointer as a URI fragment (<c>#/a/b</c>, RFC 6901 §6) from unescaped segments.</summary>
    private static string Pointer(params string[] segments) =>
        "#/" + string.Join("/", segments.Select(s => Uri.EscapeDataString(s.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal))));

    private static (OpenApiDocument, JsonDocument, BuildOptions) Load()
    {
        var text = Encoding.UTF8.GetString(OpenApiDocumentApi.Document.Span);
        var (document, diagnostic) = OpenApiDocument.Parse(text, "json");
        if (document is null || diagnostic is null || diagnostic.Errors.Count > 0)
        {
            throw new InvalidOperationException($"openapi.json does not read: {string.Join("; ", diagnostic?.Errors.Select(e => e.ToString()) ?? [])}");
        }

        var json = JsonDocument.Parse(text);
        var registry = new SchemaRegistry();
        registry.Register(_base, new JsonElementBaseDocument(json.RootElement, _base));
        return (document, json, new BuildOptions { SchemaRegistry = registry, Dialect = Dialect.Draft202012 });
    }
}
