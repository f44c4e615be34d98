namespace Dsp.Infra.Tests;

public class OutputsTests
{
    private static readonly ArmTemplate _main = ArmTemplate.Main;

    [Theory]
    [InlineData("SERVICE_API_URI")]
    [InlineData("SERVICE_API_NAME")]
    [InlineData("AZURE_RESOURCE_GROUP")]
    [InlineData("AZURE_STORAGE_ACCOUNT_NAME")]
    [InlineData("AZURE_OPENAI_ENDPOINT")]
    [InlineData("AZURE_MANAGED_IDENTITY_CLIENT_ID")]
    public void The_deployment_outputs_what_a_user_needs_next(string name)
    {
        Assert.Contains(_main.Outputs, o => o.Name == name);
    }

    [Fact]
    public void The_app_url_is_https_on_the_default_host_name()
    {
        var uri = Assert.Single(_main.Outputs, o => o.Name == "SERVICE_API_URI");
        var origin = _main.Follow(uri.Value.GetProperty("value"))[^1];

        Assert.Equal("function-app", origin.Template.DeploymentName);
        Assert.StartsWith("[format('https://{0}'", origin.Text, StringComparison.Ordinal);
        Assert.Contains(".defaultHostName", origin.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void No_output_of_any_template_is_a_secret()
    {
        var outputs = _main.SelfAndDescendants().SelectMany(t => t.Outputs.Select(o => (Output: o, Template: t))).ToList();

        Assert.NotEmpty(outputs);
        Assert.All(outputs, x =>
        {
            var type = x.Output.Value.GetProperty("type").GetString()!;
            Assert.DoesNotContain("secure", type, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotMatch(AppSettingsTests.SecretName(), x.Output.Name);
            Assert.DoesNotContain("ConnectionString", x.Output.Name, StringComparison.OrdinalIgnoreCase);
            Assert.All(x.Template.Follow(x.Output.Value.GetProperty("value")), step =>
            {
                Assert.DoesNotMatch(AppSettingsTests.ListFunction(), step.Text);
                Assert.DoesNotContain("ConnectionString", step.Text, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("InstrumentationKey", step.Text, StringComparison.OrdinalIgnoreCase);
            });
        });
    }
}
