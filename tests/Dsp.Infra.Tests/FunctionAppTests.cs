using System.Text.Json;

namespace Dsp.Infra.Tests;

public class FunctionAppTests
{
    private static readonly ArmTemplate _main = ArmTemplate.Main;

    private static (JsonElement Resource, ArmTemplate Template) Site => _main.Single("Microsoft.Web/sites");

    private static JsonElement FunctionAppConfig => Site.Resource.GetProperty("properties").GetProperty("functionAppConfig");

    [Fact]
    public void The_app_runs_on_a_Flex_Consumption_plan()
    {
        var (plan, _) = _main.Single("Microsoft.Web/serverfarms");

        Assert.Equal("FC1", plan.GetProperty("sku").GetProperty("name").GetString());
        Assert.Equal("FlexConsumption", plan.GetProperty("sku").GetProperty("tier").GetString());
        Assert.True(plan.GetProperty("properties").GetProperty("reserved").GetBoolean(), "Flex Consumption is Linux: reserved must be true");

        var (site, _) = Site;
        Assert.Contains("Microsoft.Web/serverfarms", site.GetProperty("properties").GetProperty("serverFarmId").GetString(), StringComparison.Ordinal);
        Assert.Equal("functionapp,linux", site.GetProperty("kind").GetString());
    }

    [Fact]
    public void The_app_runs_the_dotnet_isolated_worker_on_dotnet_10()
    {
        var runtime = FunctionAppConfig.GetProperty("runtime");

        Assert.Equal("dotnet-isolated", runtime.GetProperty("name").GetString());
        Assert.Equal("10.0", runtime.GetProperty("version").GetString());
    }

    [Fact]
    public void The_app_runs_as_the_user_assigned_identity_only()
    {
        var (site, template) = Site;
        var identity = site.GetProperty("identity");

        Assert.Equal("UserAssigned", identity.GetProperty("type").GetString());
        var key = Assert.Single(identity.GetProperty("userAssignedIdentities").EnumerateObject()).Name;
        var parameter = Assert.Single(ArmTemplate.ParametersIn(key));
        AssertIsTheIdentityResourceId(template.FollowParameter(parameter));
    }

    [Fact]
    public void Deployment_packages_go_to_the_deployment_container_through_the_user_assigned_identity()
    {
        var (_, template) = Site;
        var storage = FunctionAppConfig.GetProperty("deployment").GetProperty("storage");

        Assert.Equal("blobContainer", storage.GetProperty("type").GetString());
        var url = storage.GetProperty("value").GetString()!;
        Assert.Contains("primaryEndpoints.blob", url, StringComparison.Ordinal);

        var authentication = storage.GetProperty("authentication");
        Assert.Equal("UserAssignedIdentity", authentication.GetProperty("type").GetString());
        AssertIsTheIdentityResourceId(template.Follow(authentication.GetProperty("userAssignedIdentityResourceId")));

        // The container in the URL is the one the storage module creates.
        var containerParameter = Assert.Single(ArmTemplate.ParametersIn(url), p => p != "storageAccountName");
        var appSide = template.FollowParameter(containerParameter)[^1];
        var created = StorageTests.ContainerNameOrigins().ToList();
        Assert.Contains(created, origin => origin.Value.GetRawText() == appSide.Value.GetRawText());
    }

    [Fact]
    public void The_app_is_https_only_with_TLS_1_2()
    {
        var properties = Site.Resource.GetProperty("properties");

        Assert.True(properties.GetProperty("httpsOnly").GetBoolean());
        Assert.Equal("1.2", properties.GetProperty("siteConfig").GetProperty("minTlsVersion").GetString());
    }

    [Fact]
    public void The_template_sets_no_function_or_host_key_and_no_per_function_settings()
    {
        // The host generates the keys the HTTP functions require. A key written in the template is known to whoever
        // reads it, and a per-function resource could disable a function or change its bindings.
        var types = _main.AllResources().Select(r => ArmTemplate.Type(r.Resource) ?? string.Empty).ToList();

        Assert.Contains("Microsoft.Web/sites", types);
        Assert.DoesNotContain(types, t => t.StartsWith("Microsoft.Web/sites/host", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(types, t => t.StartsWith("Microsoft.Web/sites/functions", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("maximumInstanceCount", 100)]
    [InlineData("instanceMemoryMB", 2048)]
    public void Scale_out_is_set_by_parameters_of_main(string setting, int expectedDefault)
    {
        var (_, template) = Site;
        var steps = template.Follow(FunctionAppConfig.GetProperty("scaleAndConcurrency").GetProperty(setting));

        Assert.Contains(steps, s => s.RootParameter == setting);
        Assert.Equal(expectedDefault, steps[^1].Value.GetInt32());
    }

    [Fact]
    public void The_app_is_tagged_as_the_azd_service_api()
    {
        var (site, template) = Site;
        var tags = site.GetProperty("tags").GetString()!;

        Assert.Contains("'azd-service-name', parameters('serviceName')", tags, StringComparison.Ordinal);
        Assert.Equal("api", template.FollowParameter("serviceName")[^1].Value.GetString());
    }

    internal static void AssertIsTheIdentityResourceId(IReadOnlyList<ArmTemplate.Step> steps)
    {
        var origin = steps[^1];
        Assert.Equal("identity", origin.Template.DeploymentName);
        Assert.Equal("[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('name'))]", origin.Text);
    }

    internal static void AssertIsTheIdentityProperty(IReadOnlyList<ArmTemplate.Step> steps, string property)
    {
        var origin = steps[^1];
        Assert.Equal("identity", origin.Template.DeploymentName);
        Assert.StartsWith("[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('name'))", origin.Text, StringComparison.Ordinal);
        Assert.EndsWith($").{property}]", origin.Text, StringComparison.Ordinal);
    }
}
