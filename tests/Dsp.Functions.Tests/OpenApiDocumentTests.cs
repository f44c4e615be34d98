using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dsp.Core.Judges;
using Dsp.Core.Policy;
using Dsp.Core.Planning;
using Dsp.Core.Runs;
using Dsp.Functions.Http;
using Dsp.Functions.Planning;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.OpenApi;

namespace Dsp.Functions.Tests;

/// <summary>
/// openapi.json, read with Microsoft.OpenApi, against the code: every HTTP function is an operation and every operation
/// a function, each answer record is described field by field (a field added to a record without the document fails
/// here), and the request, ids and enums are the ones the code checks and writes.
/// </summary>
public class OpenApiDocumentTests
{
    /// <summary>Each schema of the document and the type whose JSON it describes.</summary>
    private static readonly Dictionary<string, Type> Described = new()
    {
        ["PlanAccepted"] = typeof(PlanAccepted),
        ["PlanStatus"] = typeof(PlanStatus),
        ["PlanProgress"] = typeof(PlanProgress),
        ["CallKey"] = typeof(CallKey),
        ["PlanResult"] = typeof(PlanResult),
        ["RunRecord"] = typeof(RunRecord),
        ["PlanCall"] = typeof(PlanCall),
        ["CallUsage"] = typeof(CallUsage),
        ["PlanCancelling"] = typeof(PlanCancelling),
        ["PolicyStatus"] = typeof(PolicyStatus),
        ["RecentMetrics"] = typeof(RecentMetrics),
        ["AcceptanceStatus"] = typeof(AcceptanceStatus),
        ["Calibration"] = typeof(Core.Acceptance.Calibration),
        ["ReliabilityBin"] = typeof(Core.Acceptance.ReliabilityBin),
        ["ProblemDetails"] = typeof(ProblemDetails),
        ["ValidationProblemDetails"] = typeof(ValidationProblemDetails),
    };

    /// <summary>The document in the repository.</summary>
    public static string DocumentPath => Path.Combine(PublishTests.RepositoryRoot(), "src", "Dsp.Functions", "openapi.json");

    private static IDictionary<string, IOpenApiSchema> Schemas => ApiContract.Document.Components!.Schemas!;

    [Fact]
    public void The_document_is_valid_OpenAPI_3_1()
    {
        var (document, diagnostic) = OpenApiDocument.Parse(File.ReadAllText(DocumentPath), "json");

        Assert.Empty(diagnostic!.Errors);
        Assert.Empty(diagnostic.Warnings);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, diagnostic.SpecificationVersion);
        Assert.Empty(document!.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
    }

    [Fact]
    public void The_app_serves_the_repository_document()
    {
        Assert.Equal(File.ReadAllBytes(DocumentPath), OpenApiDocumentApi.Document.ToArray());
    }

    [Fact]
    public void Every_http_function_is_an_operation_and_every_operation_a_function()
    {
        var functions = FunctionsLoopbackServer.Functions
            .SelectMany(f => f.Trigger.Methods!.Select(m => $"{m.ToUpperInvariant()} /{f.Route} {f.Name}"));
        var operations = ApiContract.Document.Paths
            .SelectMany(p => p.Value.Operations!.Select(o => $"{o.Key.Method} {p.Key} {o.Value.OperationId}"));

        Assert.Equal(functions.Order(), operations.Order());
    }

    [Fact]
    public void Operations_need_a_function_key_in_the_header_or_the_query_except_the_anonymous_document()
    {
        var schemes = ApiContract.Document.Components!.SecuritySchemes!;
        Assert.Equal((ParameterLocation.Header, "x-functions-key"), (schemes["functionKeyHeader"].In!.Value, schemes["functionKeyHeader"].Name));
        Assert.Equal((ParameterLocation.Query, "code"), (schemes["functionKeyQuery"].In!.Value, schemes["functionKeyQuery"].Name));
        Assert.Equal(["functionKeyHeader", "functionKeyQuery"], ApiContract.Document.Security!.SelectMany(r => r.Keys.Select(k => k.Reference.Id!)).Order());

        foreach (var function in FunctionsLoopbackServer.Functions)
        {
            var method = HttpMethod.Parse(Assert.Single(function.Trigger.Methods!));
            var operation = ApiContract.Operation($"/{function.Route}", method);
            if (function.Trigger.AuthLevel == AuthorizationLevel.Anonymous)
            {
                Assert.Equal(nameof(OpenApiDocumentApi.GetOpenApiDocument), function.Name);
                Assert.NotNull(operation.Security);
                Assert.Empty(operation.Security);
                Assert.False(operation.Responses!.ContainsKey("401"));
            }
            else
            {
                Assert.Null(operation.Security);
                Assert.True(operation.Responses!.ContainsKey("401"), $"{function.Name} does not document 401");
            }
        }
    }

    [Fact]
    public void Every_answer_record_is_described_field_by_field()
    {
        Assert.Equal(Described.Keys.Append("PlanRequest").Order(), Schemas.Keys.Order());
        foreach (var (name, type) in Described)
        {
            var schema = Schemas[name];
            // Extension data (ProblemDetails.Extensions) is written as properties of its own: none is described, and
            // the answers' validation refuses any.
            var properties = ApiJson.Options.GetTypeInfo(type).Properties.Where(p => !p.IsExtensionData).ToList();
            Assert.True(schema.AdditionalPropertiesAllowed is false, $"{name} must refuse properties it does not name");
            Assert.Equal(properties.Select(p => p.Name).Order(), schema.Properties!.Keys.Order());
            // Required: what is always written (ProblemDetails leaves out its null members).
            Assert.Equal(properties.Where(p => p.ShouldSerialize is null).Select(p => p.Name).Order(), (schema.Required ?? new HashSet<string>()).Order());
            foreach (var property in properties)
            {
                AssertDescribes(schema.Properties![property.Name], property, $"{name}.{property.Name}");
            }
        }
    }

    [Fact]
    public void The_request_schema_is_what_the_validator_accepts()
    {
        var request = Schemas["PlanRequest"];

        Assert.Equal(PlanRequestValidator.Fields.Order(), request.Properties!.Keys.Order());
        Assert.Equal(["task"], request.Required!);
        Assert.True(request.AdditionalPropertiesAllowed is false);
        Assert.Equal(PlanRequestValidator.MaxTaskLength, request.Properties["task"].MaxLength);
        Assert.Equal(StepJudges.Names, request.Properties["judge"].Enum!.Select(e => e!.GetValue<string>()));
        Assert.Equal(StepJudges.Exact, request.Properties["judge"].Default!.GetValue<string>());
        Assert.Equal(PolicyNames.All, request.Properties["policy"].Enum!.Select(e => e!.GetValue<string>()));
        Assert.Equal(PlanRequestValidator.MaxValueOfTime, double.Parse(request.Properties["valueOfTime"].Maximum!, System.Globalization.CultureInfo.InvariantCulture));
        // The policies' knobs declare no default: a generated client that prefilled them would send both policies'.
        Assert.All(["policy", "valueOfTime", "tradeoff", "offset"], knob => Assert.Null(request.Properties[knob].Default));
        Assert.Equal(PlanRequestValidator.DefaultMaxSteps, request.Properties["maxSteps"].Default!.GetValue<int>());
        Assert.Equal(PlanRequestValidator.MaxSteps.ToString(System.Globalization.CultureInfo.InvariantCulture), request.Properties["maxSteps"].Maximum);
        Assert.Equal(PlanRequestValidator.DefaultAgents, request.Properties["agents"].Default!.GetValue<string>());
    }

    [Fact]
    public void Status_and_outcome_names_are_the_ones_the_api_writes()
    {
        static IEnumerable<string?> Enum(string schema, string property) => Schemas[schema].Properties![property].Enum!.Select(e => e!.GetValue<string>());
        string[] outcomes = [PlanOutcomes.Completed, PlanOutcomes.Failed, PlanOutcomes.Stopped];

        Assert.Equal(Enum<OrchestrationRuntimeStatus>(), Enum("PlanStatus", "status").Order());
        Assert.Equal(outcomes, Enum("PlanResult", "outcome"));
        Assert.Equal(outcomes, Enum("RunRecord", "outcome"));
        Assert.Equal([new PlanCancelling("x").Status], Enum("PlanCancelling", "status"));
    }

    [Fact]
    public void The_plan_id_pattern_is_the_one_put_checks()
    {
        var parameter = ApiContract.Document.Components!.Parameters!["PlanId"];

        Assert.Equal(PlanIds.Pattern, parameter.Schema!.Pattern);
        foreach (var id in new[] { "a", "order-17_B", new string('x', 100), "", new string('x', 101), "a.b", "a/b", "a b", "~a", "é", "a?b" })
        {
            Assert.Equal(System.Text.RegularExpressions.Regex.IsMatch(id, PlanIds.Pattern), PlanIds.Check(id) is null);
        }
    }

    [Fact]
    public void The_schemas_refuse_an_extra_field_an_enum_as_a_number_and_a_missing_field()
    {
        var accepted = JsonSerializer.SerializeToElement(new PlanAccepted("p", "https://x/api/plans/p", "https://x/api/plans/p/cancel"), ApiJson.Options);
        var key = JsonSerializer.SerializeToElement(new CallKey(0, AgentRole.Target, 1), ApiJson.Options);

        Assert.Empty(ApiContract.Check("PlanAccepted", accepted));
        Assert.Empty(ApiContract.Check("CallKey", key));
        Assert.NotEmpty(ApiContract.Check("PlanAccepted", With(accepted, "eta", 3)));
        Assert.NotEmpty(ApiContract.Check("CallKey", With(key, "role", 1)));
        Assert.NotEmpty(ApiContract.Check("PlanAccepted", Without(accepted, "cancelUri")));
    }

    /// <summary>The property's schema says what the serializer writes: its JSON type and format, null or not, the enum's
    /// names, and the described record it holds.</summary>
    private static void AssertDescribes(IOpenApiSchema schema, JsonPropertyInfo property, string where)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var nullable = property.IsGetNullable && property.PropertyType != typeof(IDictionary<string, string[]>);
        if (Described.FirstOrDefault(d => d.Value == type).Key is { } described)
        {
            var target = nullable ? Assert.Single(schema.AnyOf!, s => s is OpenApiSchemaReference) : schema;
            Assert.True(target is OpenApiSchemaReference reference && reference.Reference.Id == described, $"{where} must refer to {described}");
            Assert.Equal(nullable, schema.AnyOf?.Any(s => s.Type == JsonSchemaType.Null) ?? false);
            return;
        }

        var (json, format) = JsonType(type, where);
        Assert.True(schema.Type is { } declared && (declared & ~JsonSchemaType.Null) == json, $"{where} is {json}, the document says {schema.Type}");
        Assert.True(nullable == schema.Type!.Value.HasFlag(JsonSchemaType.Null), $"{where} is {(nullable ? "" : "not ")}nullable");
        Assert.True(format == schema.Format, $"{where} has format {format}, the document says {schema.Format}");
        if (type.IsEnum)
        {
            Assert.Equal(System.Enum.GetNames(type), schema.Enum!.Select(e => e!.GetValue<string>()));
        }

        var element = type.IsArray ? type.GetElementType() : type.IsGenericType && json == JsonSchemaType.Array ? type.GetGenericArguments()[0] : null;
        if (element is not null)
        {
            var items = schema.Items!;
            if (Described.FirstOrDefault(d => d.Value == element).Key is { } itemSchema)
            {
                Assert.True(items is OpenApiSchemaReference reference && reference.Reference.Id == itemSchema, $"{where}[] must refer to {itemSchema}");
            }
            else
            {
                var (itemJson, itemFormat) = JsonType(element, $"{where}[]");
                Assert.Equal((itemJson, itemFormat), (items.Type!.Value, items.Format));
            }
        }
    }

    private static (JsonSchemaType Type, string? Format) JsonType(Type type, string where) => type switch
    {
        _ when type == typeof(string) => (JsonSchemaType.String, null),
        _ when type.IsEnum => (JsonSchemaType.String, null),
        _ when type == typeof(bool) => (JsonSchemaType.Boolean, null),
        _ when type == typeof(int) => (JsonSchemaType.Integer, "int32"),
        _ when type == typeof(long) => (JsonSchemaType.Integer, "int64"),
        _ when type == typeof(double) => (JsonSchemaType.Number, "double"),
        _ when type == typeof(float) => (JsonSchemaType.Number, "float"),
        _ when type == typeof(DateTimeOffset) => (JsonSchemaType.String, "date-time"),
        _ when type == typeof(IDictionary<string, string[]>) => (JsonSchemaType.Object, null),
        _ when type.IsArray || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)) => (JsonSchemaType.Array, null),
        _ => throw new InvalidOperationException($"{where} is a {type.Name}: describe it in openapi.json and add it to {nameof(Described)}."),
    };

    private static IEnumerable<string> Enum<TEnum>()
        where TEnum : struct, System.Enum => System.Enum.GetNames<TEnum>().Order();

    private static JsonElement With(JsonElement json, string name, object value)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json.GetRawText())!.AsObject();
        node[name] = System.Text.Json.Nodes.JsonValue.Create(value);
        return JsonSerializer.SerializeToElement(node);
    }

    private static JsonElement Without(JsonElement json, string name)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json.GetRawText())!.AsObject();
        node.Remove(name);
        return JsonSerializer.SerializeToElement(node);
    }
}
