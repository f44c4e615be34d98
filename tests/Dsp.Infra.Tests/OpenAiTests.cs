using System.Text.Json;

namespace Dsp.Infra.Tests;

public class OpenAiTests
{
    private static readonly ArmTemplate _main = ArmTemplate.Main;

    [Fact]
    public void The_account_is_Azure_OpenAI_with_key_auth_disabled_and_a_custom_subdomain()
    {
        var (account, template) = _main.Single("Microsoft.CognitiveServices/accounts");
        var properties = account.GetProperty("properties");

        Assert.Equal("OpenAI", account.GetProperty("kind").GetString());
        Assert.True(properties.GetProperty("disableLocalAuth").GetBoolean());
        var subdomain = template.Follow(properties.GetProperty("customSubDomainName"))[^1];
        Assert.Contains("oai-", subdomain.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_account_name_includes_its_region_so_a_new_region_makes_a_new_account()
    {
        var (account, template) = _main.Single("Microsoft.CognitiveServices/accounts");
        var name = template.Follow(account.GetProperty("name"));
        var location = template.Follow(account.GetProperty("location"));

        // The account's name and location are both the root's openAiRegion: the region given, or the app's.
        Assert.Equal("[format('oai-dsp-{0}-{1}', variables('resourceToken'), variables('openAiRegion'))]", name[^1].Text);
        Assert.Contains(location, step => step.Text == "[variables('openAiRegion')]");
        Assert.Equal("[toLower(if(empty(parameters('openAiLocation')), parameters('location'), parameters('openAiLocation')))]", location[^1].Text);
    }

    public static TheoryData<string, string, string> ModelDefaults => new()
    {
        { "draft", "gpt-5.4-mini", "2026-03-17" },
        { "target", "gpt-5.4", "2026-03-05" },
    };

    public static TheoryData<string, string, string> ProfileRoles => new()
    {
        { "draft", "gpt-5.4-mini", "Draft" },
        { "target", "gpt-5.4", "Target" },
    };

    [Theory]
    [MemberData(nameof(ModelDefaults))]
    public void Each_model_deployment_is_parameterised_with_the_documented_defaults(string role, string model, string version)
    {
        var (deployment, template) = DeploymentFor(role);
        var modelSpec = deployment.GetProperty("properties").GetProperty("model");

        Assert.Equal("OpenAI", modelSpec.GetProperty("format").GetString());
        AssertRootParameter(template, modelSpec.GetProperty("name"), $"{role}ModelName", model);
        AssertRootParameter(template, modelSpec.GetProperty("version"), $"{role}ModelVersion", version);
        AssertRootParameter(template, deployment.GetProperty("sku").GetProperty("name"), $"{role}SkuName", "GlobalStandard");
        var capacity = template.Follow(deployment.GetProperty("sku").GetProperty("capacity"));
        Assert.Contains(capacity, s => s.RootParameter == $"{role}Capacity");
        Assert.Equal(50, capacity[^1].Value.GetInt32());
    }

    [Theory]
    [MemberData(nameof(ProfileRoles))]
    public void The_app_settings_name_the_same_deployment_and_model(string role, string model, string profileRole)
    {
        var (deployment, template) = DeploymentFor(role);
        var deploymentName = template.FollowParameter(ArmTemplate.ParametersIn(deployment.GetProperty("name").GetString()!).Last());
        var (settings, app) = AppSettingsTests.Settings();

        var deploymentSetting = app.Follow(settings.GetProperty($"Dsp__Agents__Profiles__default__{profileRole}__Deployment"));
        Assert.Equal(deploymentName[^1].Text, deploymentSetting[^1].Text);
        Assert.Contains(deploymentSetting, s => s.RootParameter == $"{role}DeploymentName");

        var modelSetting = app.Follow(settings.GetProperty($"Dsp__Agents__Profiles__default__{profileRole}__Model"));
        Assert.Contains(modelSetting, s => s.RootParameter == $"{role}ModelName");
        Assert.Equal(model, modelSetting[^1].Value.GetString());
    }

    [Fact]
    public void There_are_exactly_two_deployments_and_the_second_waits_for_the_first()
    {
        var deployments = _main.AllResources("Microsoft.CognitiveServices/accounts/deployments").ToList();

        Assert.Equal(2, deployments.Count);
        Assert.Contains(deployments, d => d.Resource.TryGetProperty("dependsOn", out var dependsOn)
            && dependsOn.EnumerateArray().Any(x => x.GetString()!.Contains("accounts/deployments", StringComparison.Ordinal)));
    }

    private static (JsonElement Resource, ArmTemplate Template) DeploymentFor(string role) =>
        Assert.Single(_main.AllResources("Microsoft.CognitiveServices/accounts/deployments"), d =>
            d.Template.Follow(d.Resource.GetProperty("properties").GetProperty("model").GetProperty("name"))
                .Any(s => s.RootParameter == $"{role}ModelName"));

    private static void AssertRootParameter(ArmTemplate template, JsonElement value, string parameter, string expectedDefault)
    {
        var steps = template.Follow(value);
        Assert.Contains(steps, s => s.RootParameter == parameter);
        Assert.Equal(expectedDefault, steps[^1].Value.GetString());
    }
}
