using System.Reflection;
using System.Text.Json;
using Dsp.Functions.Http;
using Microsoft.Azure.Functions.Worker;

namespace Dsp.Functions.Tests;

/// <summary>Every HTTP function needs a function key but the OpenAPI document, and nothing in the app's host settings
/// turns that off.</summary>
public class FunctionKeyTests
{
    private static IEnumerable<(string Function, HttpTriggerAttribute Trigger)> HttpTriggers() =>
        from type in typeof(PlansApi).Assembly.GetTypes()
        from method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
        from parameter in method.GetParameters()
        let trigger = parameter.GetCustomAttribute<HttpTriggerAttribute>()
        where trigger is not null
        select (method.GetCustomAttribute<FunctionAttribute>()?.Name ?? $"{type.Name}.{method.Name}", trigger);

    [Fact]
    public void Every_http_trigger_in_the_app_requires_a_function_key_or_higher_but_the_openapi_document()
    {
        var triggers = HttpTriggers().ToList();

        // A new anonymous (or User-level) endpoint fails here, whatever its name; the document is anonymous, like a
        // health probe, and holds no data.
        Assert.Superset(new HashSet<string> { "StartPlan", "PutPlan", "GetPlan", "CancelPlan", "GetPolicy", "GetOpenApiDocument" }, triggers.Select(t => t.Function).ToHashSet());
        var document = Assert.Single(triggers, t => t.Trigger.AuthLevel == AuthorizationLevel.Anonymous);
        Assert.Equal((nameof(OpenApiDocumentApi.GetOpenApiDocument), "openapi.json"), (document.Function, document.Trigger.Route));
        Assert.All(triggers.Where(t => t != document), t => Assert.True(
            t.Trigger.AuthLevel >= AuthorizationLevel.Function,
            $"{t.Function} is reachable with authorization level {t.Trigger.AuthLevel}; HTTP functions need a function key."));
    }

    [Fact]
    public void Host_json_has_no_setting_about_authorization()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(PublishTests.RepositoryRoot(), "host.json")));

        // The function keys are enforced by the host from each trigger's level; host.json must not carry anything that
        // would weaken them (an auth level, an authentication or authorization section).
        Assert.All(Names(host.RootElement), name => Assert.DoesNotContain("auth", name, StringComparison.OrdinalIgnoreCase));
    }

    private static IEnumerable<string> Names(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Names(p.Value).Prepend(p.Name)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Names),
        _ => [],
    };
}
