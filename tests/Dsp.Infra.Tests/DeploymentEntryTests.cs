using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dsp.Infra.Tests;

/// <summary>What `azd up`, `az deployment sub create` and the local loop start from.</summary>
public partial class DeploymentEntryTests
{
    private static readonly ArmTemplate _main = ArmTemplate.Main;

    [Fact]
    public void The_template_deploys_at_subscription_scope_and_creates_the_resource_group()
    {
        Assert.Contains("subscriptionDeploymentTemplate.json", _main.Template.GetProperty("$schema").GetString(), StringComparison.Ordinal);
        _main.Single("Microsoft.Resources/resourceGroups");
        Assert.All(_main.Modules, m => Assert.True(m.Resources.Any()));
    }

    [Fact]
    public void The_parameters_file_sets_only_declared_parameters_and_every_required_one()
    {
        using var file = JsonDocument.Parse(Repository.ReadAllText("infra/main.parameters.json"));
        var given = file.RootElement.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToList();
        var declared = _main.Parameters.ToList();

        Assert.All(given, name => Assert.Contains(declared, p => p.Name == name));
        Assert.All(declared.Where(p => !p.Value.TryGetProperty("defaultValue", out _)), p => Assert.Contains(p.Name, given));
    }

    [Fact]
    public void The_parameters_file_takes_values_from_the_azd_environment()
    {
        using var file = JsonDocument.Parse(Repository.ReadAllText("infra/main.parameters.json"));
        var values = file.RootElement.GetProperty("parameters").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetProperty("value").ToString());

        Assert.Equal("${AZURE_ENV_NAME}", values["environmentName"]);
        Assert.Equal("${AZURE_LOCATION}", values["location"]);
        Assert.All(values.Values, v => Assert.Matches(AzdVariable(), v));
    }

    [Fact]
    public void Azd_deploys_the_functions_project_as_service_api()
    {
        var yaml = Repository.ReadAllText("azure.yaml");

        Assert.Matches(@"(?m)^services:\s*$", yaml);
        Assert.Matches(@"(?m)^  api:\s*$", yaml);
        Assert.Matches(@"(?m)^    project: \./src/Dsp\.Functions/?\s*$", yaml);
        Assert.Matches(@"(?m)^    language: dotnet\s*$", yaml);
        Assert.Matches(@"(?m)^    host: function\s*$", yaml);
    }

    [Fact]
    public void Azurite_is_pinned_to_an_exact_version_and_started_the_same_way_by_npm_and_the_script()
    {
        using var package = JsonDocument.Parse(Repository.ReadAllText("package.json"));
        var version = package.RootElement.GetProperty("devDependencies").GetProperty("azurite").GetString();
        var npmCommand = package.RootElement.GetProperty("scripts").GetProperty("azurite").GetString()!;
        var script = Repository.ReadAllText("scripts/azurite");

        Assert.Equal("3.37.0", version);
        Assert.StartsWith("azurite ", npmCommand, StringComparison.Ordinal);
        var arguments = npmCommand["azurite ".Length..];
        Assert.Contains($"AZURITE_ARGS=({arguments})", script, StringComparison.Ordinal);
        Assert.Contains("--location .azurite", arguments, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^/\.azurite/$", Repository.ReadAllText(".gitignore"));
    }

    [GeneratedRegex(@"^\$\{[A-Z_]+(=[^}]*)?\}$")]
    private static partial Regex AzdVariable();
}
