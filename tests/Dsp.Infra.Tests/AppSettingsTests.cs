using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dsp.Infra.Tests;

public partial class AppSettingsTests
{
    private static readonly ArmTemplate _main = ArmTemplate.Main;

    /// <summary>Every setting the Functions app reads in Azure (issue 6; local-only settings excluded).</summary>
    internal static readonly string[] SettingNames =
    [
        "AzureWebJobsStorage__accountName",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        "Dsp__Storage__TableServiceUri",
        "Dsp__Storage__BlobServiceUri",
        "Dsp__Storage__ClientId",
        "Dsp__OpenAI__Endpoint",
        "Dsp__OpenAI__ClientId",
        "Dsp__Agents__Profiles__default__Draft__Deployment",
        "Dsp__Agents__Profiles__default__Draft__Model",
        "Dsp__Agents__Profiles__default__Target__Deployment",
        "Dsp__Agents__Profiles__default__Target__Model",
        "Dsp__Agents__Profiles__default__Draft__ReasoningEffort",
        "Dsp__Agents__Profiles__default__Target__ReasoningEffort",
        "DSP_RETRAIN_SCHEDULE",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    ];

    public static TheoryData<string> RequiredSettings => new(SettingNames);

    /// <summary>The app settings object and the template (the app module) it is written in.</summary>
    internal static (JsonElement Settings, ArmTemplate Template) Settings()
    {
        var (config, template) = Assert.Single(_main.AllResources("Microsoft.Web/sites/config"),
            c => c.Resource.GetProperty("name").GetString()!.Contains("'appsettings'", StringComparison.Ordinal));
        return (config.GetProperty("properties"), template);
    }

    private static IEnumerable<(string Name, IReadOnlyList<ArmTemplate.Step> Origin)> FollowedSettings()
    {
        var (settings, template) = Settings();
        return settings.EnumerateObject().Select(s => (s.Name, template.Follow(s.Value)));
    }

    [Theory]
    [MemberData(nameof(RequiredSettings))]
    public void The_app_gets_every_setting_it_reads(string name)
    {
        var (settings, _) = Settings();

        Assert.True(settings.TryGetProperty(name, out var value), $"app setting {name} is missing");
        Assert.False(string.IsNullOrWhiteSpace(value.GetString()));
    }

    [Fact]
    public void The_app_gets_no_setting_beyond_the_documented_ones()
    {
        var (settings, _) = Settings();
        Assert.All(settings.EnumerateObject(), s => Assert.Contains(s.Name, SettingNames));
    }

    [Fact]
    public void The_host_and_task_hub_reach_storage_with_the_managed_identity()
    {
        var (settings, template) = Settings();

        Assert.Equal("managedidentity", settings.GetProperty("AzureWebJobsStorage__credential").GetString());
        FunctionAppTests.AssertIsTheIdentityProperty(template.Follow(settings.GetProperty("AzureWebJobsStorage__clientId")), "clientId");
        var account = template.Follow(settings.GetProperty("AzureWebJobsStorage__accountName"));
        Assert.Contains(account, s => s.Template.DeploymentName == "storage");
    }

    [Theory]
    [InlineData("AzureWebJobsStorage__clientId")]
    [InlineData("Dsp__Storage__ClientId")]
    [InlineData("Dsp__OpenAI__ClientId")]
    public void Every_client_id_setting_is_the_app_identity(string name)
    {
        var (settings, template) = Settings();

        FunctionAppTests.AssertIsTheIdentityProperty(template.Follow(settings.GetProperty(name)), "clientId");
    }

    [Theory]
    [InlineData("Dsp__Storage__TableServiceUri", "primaryEndpoints.table")]
    [InlineData("Dsp__Storage__BlobServiceUri", "primaryEndpoints.blob")]
    public void The_app_data_settings_are_service_endpoints_not_connection_strings(string name, string endpoint)
    {
        var (settings, _) = Settings();
        var value = settings.GetProperty(name).GetString()!;

        Assert.StartsWith("[reference(resourceId('Microsoft.Storage/storageAccounts'", value, StringComparison.Ordinal);
        Assert.EndsWith($".{endpoint}]", value, StringComparison.Ordinal);
    }

    [Fact]
    public void The_OpenAI_endpoint_is_the_account_endpoint()
    {
        var (settings, template) = Settings();
        var origin = template.Follow(settings.GetProperty("Dsp__OpenAI__Endpoint"))[^1];

        Assert.Equal("openai", origin.Template.DeploymentName);
        Assert.StartsWith("[reference(resourceId('Microsoft.CognitiveServices/accounts'", origin.Text, StringComparison.Ordinal);
        Assert.EndsWith(".endpoint]", origin.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Telemetry_is_sent_with_Entra_ID_as_the_app_identity()
    {
        var (settings, template) = Settings();
        var authentication = settings.GetProperty("APPLICATIONINSIGHTS_AUTHENTICATION_STRING").GetString()!;

        Assert.Equal("[format('ClientId={0};Authorization=AAD', parameters('identityClientId'))]", authentication);
        FunctionAppTests.AssertIsTheIdentityProperty(template.FollowParameter("identityClientId"), "clientId");
        Assert.EndsWith(".ConnectionString]", settings.GetProperty("APPLICATIONINSIGHTS_CONNECTION_STRING").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_retrain_schedule_is_a_flat_setting_from_a_parameter_defaulting_to_every_five_minutes()
    {
        var (settings, template) = Settings();
        var steps = template.Follow(settings.GetProperty("DSP_RETRAIN_SCHEDULE"));

        Assert.Contains(steps, s => s.RootParameter == "retrainSchedule");
        Assert.Equal("0 */5 * * * *", steps[^1].Value.GetString());
        // The host resolves the timer's %…% name from its own settings: a flat name, no section separator of any form.
        Assert.All(settings.EnumerateObject().Where(p => p.Name.Contains("RETRAIN", StringComparison.OrdinalIgnoreCase) || p.Name.Contains("Retrain", StringComparison.Ordinal)),
            p => Assert.Equal("DSP_RETRAIN_SCHEDULE", p.Name));
    }

    [Theory]
    [InlineData("Dsp__Agents__Profiles__default__Draft__ReasoningEffort", "draftReasoningEffort", "none")]
    [InlineData("Dsp__Agents__Profiles__default__Target__ReasoningEffort", "targetReasoningEffort", "low")]
    public void Each_roles_reasoning_effort_is_a_parameter(string name, string parameter, string expectedDefault)
    {
        var (settings, template) = Settings();
        var steps = template.Follow(settings.GetProperty(name));

        Assert.Contains(steps, s => s.RootParameter == parameter);
        Assert.Equal(expectedDefault, steps[^1].Value.GetString());
    }

    [Fact]
    public void No_setting_carries_a_key_a_secret_or_a_connection_string_with_a_key()
    {
        Assert.All(FollowedSettings(), setting =>
        {
            Assert.DoesNotMatch(SecretName(), setting.Name);
            Assert.All(setting.Origin, step =>
            {
                Assert.DoesNotContain("AccountKey", step.Text, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("SharedAccess", step.Text, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotMatch(ListFunction(), step.Text);
                Assert.DoesNotMatch(SecretName(), step.Text);
            });
        });
    }

    [Theory]
    [InlineData("AzureWebJobsStorage")]
    [InlineData("Dsp__Storage__ConnectionString")]
    [InlineData("Dsp__OpenAI__ApiKey")]
    [InlineData("FUNCTIONS_WORKER_RUNTIME")]
    [InlineData("FUNCTIONS_EXTENSION_VERSION")]
    public void Local_only_and_Flex_incompatible_settings_are_absent(string name)
    {
        var (settings, _) = Settings();

        Assert.False(settings.TryGetProperty(name, out _), $"{name} must not be set in Azure");
    }

    [Fact]
    public void The_template_never_reads_a_key()
    {
        var json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "main.json"));

        Assert.DoesNotMatch(ListFunction(), json);
        Assert.DoesNotContain("AccountKey", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("securestring", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secureObject", json, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>ARM functions that return keys: listKeys, listKey, listSecrets, listConnectionStrings, list(...).</summary>
    [GeneratedRegex(@"\blist(\w*)\(", RegexOptions.IgnoreCase)]
    internal static partial Regex ListFunction();

    /// <summary>A name that announces a secret.</summary>
    [GeneratedRegex(@"(?i)(api[-_]?key|access[-_]?key|secret|password|sas[-_]?token|sharedaccess)")]
    internal static partial Regex SecretName();
}
