using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Dsp.Functions.Http;

/// <summary>
/// The one JSON contract of the HTTP answers and of <c>dsp plan --json</c>: camelCase names, enums by name, numbers
/// as JSON numbers (never NaN or infinity: a value that can be undefined is null instead). It is the contract that
/// <c>openapi.json</c> describes.
/// </summary>
public static class ApiJson
{
    /// <summary>The contract's serializer options (read-only; copy them to change layout, e.g. indentation).</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>Applies the contract to <paramref name="options"/>, which start from the web defaults.</summary>
    /// <remarks>Writing NaN or infinity throws, as by default (<see cref="JsonNumberHandling.AllowNamedFloatingPointLiterals"/>
    /// stays off): the answer types hold null where a number can be undefined.</remarks>
    public static JsonSerializerOptions Apply(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Converters.Add(new JsonStringEnumConverter());
        return options;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = Apply(new JsonSerializerOptions(JsonSerializerDefaults.Web));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>
    /// Makes the app's HTTP answers follow the contract. Under the worker's ASP.NET Core integration an
    /// <see cref="IActionResult"/> is executed by MVC (<c>AddMvc</c>), which serializes with
    /// <see cref="JsonOptions.JsonSerializerOptions"/>.
    /// </summary>
    public static IServiceCollection AddDspHttpJson(this IServiceCollection services) =>
        services.Configure<JsonOptions>(json => Apply(json.JsonSerializerOptions));
}
