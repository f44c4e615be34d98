using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dsp.Infra.Tests;

/// <summary>
/// One template of the compiled ARM JSON: the root (main.bicep) or a module, which Bicep compiles into a
/// <c>Microsoft.Resources/deployments</c> resource with the module's template inline under
/// <c>properties.template</c> and the values the parent passes under <c>properties.parameters</c>.
/// </summary>
internal sealed partial class ArmTemplate
{
    private ArmTemplate(JsonElement template, string deploymentName, ArmTemplate? parent, JsonElement? passedParameters)
    {
        Template = template;
        DeploymentName = deploymentName;
        Parent = parent;
        PassedParameters = passedParameters;
        Modules = Resources
            .Where(r => Type(r) == "Microsoft.Resources/deployments")
            .Select(r => new ArmTemplate(
                r.GetProperty("properties").GetProperty("template"),
                r.GetProperty("name").GetString()!,
                this,
                r.GetProperty("properties").TryGetProperty("parameters", out var p) ? p : null))
            .ToList();
    }

    public JsonElement Template { get; }

    /// <summary>The module's deployment name (e.g. <c>identity</c>); empty for the root.</summary>
    public string DeploymentName { get; }

    public ArmTemplate? Parent { get; }

    public JsonElement? PassedParameters { get; }

    public IReadOnlyList<ArmTemplate> Modules { get; }

    public bool IsRoot => Parent is null;

    /// <summary>The template's own resources (an array, or an object keyed by symbolic name).</summary>
    public IEnumerable<JsonElement> Resources =>
        Template.TryGetProperty("resources", out var resources)
            ? resources.ValueKind == JsonValueKind.Array
                ? resources.EnumerateArray()
                : resources.EnumerateObject().Select(p => p.Value)
            : [];

    public IEnumerable<JsonProperty> Outputs =>
        Template.TryGetProperty("outputs", out var outputs) ? outputs.EnumerateObject() : [];

    public IEnumerable<JsonProperty> Parameters =>
        Template.TryGetProperty("parameters", out var parameters) ? parameters.EnumerateObject() : [];

    /// <summary>This template and every module below it, depth first.</summary>
    public IEnumerable<ArmTemplate> SelfAndDescendants()
    {
        yield return this;
        foreach (var descendant in Modules.SelectMany(m => m.SelfAndDescendants()))
        {
            yield return descendant;
        }
    }

    /// <summary>Every resource in this template and all modules, with the template that declares it.</summary>
    public IEnumerable<(JsonElement Resource, ArmTemplate Template)> AllResources() =>
        SelfAndDescendants().SelectMany(t => t.Resources.Select(r => (r, t)));

    public IEnumerable<(JsonElement Resource, ArmTemplate Template)> AllResources(string type) =>
        AllResources().Where(x => string.Equals(Type(x.Resource), type, StringComparison.OrdinalIgnoreCase));

    public (JsonElement Resource, ArmTemplate Template) Single(string type) => Assert.Single(AllResources(type));

    public ArmTemplate Module(string deploymentName) =>
        Assert.Single(SelfAndDescendants(), t => t.DeploymentName == deploymentName);

    public static string? Type(JsonElement resource) =>
        resource.TryGetProperty("type", out var type) ? type.GetString() : null;

    /// <summary>
    /// Follows a value through the templates to where it comes from: <c>[parameters('x')]</c> to the value
    /// the parent passes (or the parameter's default at the root), <c>[variables('x')]</c> to the variable, and
    /// a module output <c>[reference(...'Microsoft.Resources/deployments', 'm')...).outputs.o.value]</c> into
    /// module <c>m</c>'s output <c>o</c>. Returns every step, the given value first.
    /// </summary>
    public IReadOnlyList<Step> Follow(JsonElement value)
    {
        var steps = new List<Step> { new(this, value, null) };
        var scope = this;
        for (var hops = 0; hops < 32; hops++)
        {
            if (value.ValueKind != JsonValueKind.String)
            {
                break;
            }

            var text = value.GetString()!;
            JsonElement next;
            string? rootParameter = null;
            if (ParameterReference().Match(text) is { Success: true } parameter)
            {
                var name = parameter.Groups[1].Value;
                if (scope.PassedParameters is { } passed && passed.TryGetProperty(name, out var passedValue))
                {
                    if (!passedValue.TryGetProperty("value", out next))
                    {
                        break;
                    }

                    scope = scope.Parent!;
                }
                else if (scope.Template.GetProperty("parameters").GetProperty(name).TryGetProperty("defaultValue", out next))
                {
                    rootParameter = scope.IsRoot ? name : null;
                }
                else
                {
                    steps[^1] = steps[^1] with { RootParameter = scope.IsRoot ? name : null };
                    break;
                }
            }
            else if (VariableReference().Match(text) is { Success: true } variable)
            {
                next = scope.Template.GetProperty("variables").GetProperty(variable.Groups[1].Value);
            }
            else if (ModuleOutputReference().Match(text) is { Success: true } output)
            {
                var module = scope.Modules.FirstOrDefault(m => m.DeploymentName == output.Groups[1].Value);
                if (module is null)
                {
                    break;
                }

                scope = module;
                next = module.Template.GetProperty("outputs").GetProperty(output.Groups[2].Value).GetProperty("value");
            }
            else
            {
                break;
            }

            steps[^1] = steps[^1] with { RootParameter = rootParameter };
            value = next;
            steps.Add(new Step(scope, value, null));
        }

        return steps;
    }

    /// <summary>Follows <c>[parameters('name')]</c> as declared in this template.</summary>
    public IReadOnlyList<Step> FollowParameter(string name) => Follow(JsonString($"[parameters('{name}')]"));

    /// <summary>Replaces <c>variables('v').member</c> in an expression by the member's literal value.</summary>
    public string ExpandVariableMembers(string expression) =>
        VariableMemberReference().Replace(expression, m =>
            $"'{Template.GetProperty("variables").GetProperty(m.Groups[1].Value).GetProperty(m.Groups[2].Value).GetString()}'");

    public static JsonElement JsonString(string value) => JsonSerializer.SerializeToElement(value);

    /// <summary>The names of the parameters an expression reads, e.g. <c>identityId</c> in <c>[format('{0}', parameters('identityId'))]</c>.</summary>
    public static IEnumerable<string> ParametersIn(string expression) =>
        ParameterAnywhere().Matches(expression).Select(m => m.Groups[1].Value);

    [GeneratedRegex(@"^\[parameters\('(\w+)'\)\]$")]
    private static partial Regex ParameterReference();

    [GeneratedRegex(@"parameters\('(\w+)'\)")]
    private static partial Regex ParameterAnywhere();

    [GeneratedRegex(@"^\[variables\('(\w+)'\)\]$")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"variables\('(\w+)'\)\.(\w+)")]
    private static partial Regex VariableMemberReference();

    [GeneratedRegex(@"^\[reference\(.*'Microsoft\.Resources/deployments', '([^']+)'\), '[^']+'\)\.outputs\.(\w+)\.value\]$")]
    private static partial Regex ModuleOutputReference();

    /// <summary>One step of <see cref="Follow"/>: a value as written in a template.</summary>
    /// <param name="Template">The template the value is written in.</param>
    /// <param name="Value">The value (a literal or an ARM expression string).</param>
    /// <param name="RootParameter">Set when this value is a parameter of main.bicep: the parameter's name.</param>
    internal sealed record Step(ArmTemplate Template, JsonElement Value, string? RootParameter)
    {
        public string Text => Value.ValueKind == JsonValueKind.String ? Value.GetString()! : Value.GetRawText();
    }

    /// <summary>The compiled main.bicep that the build of this project writes next to the test assembly.</summary>
    public static ArmTemplate Main => _main.Value;

    private static readonly Lazy<ArmTemplate> _main = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "main.json");
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        return new ArmTemplate(document.RootElement.Clone(), "", null, null);
    });
}
