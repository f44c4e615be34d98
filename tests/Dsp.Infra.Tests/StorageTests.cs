using System.Text.Json;

namespace Dsp.Infra.Tests;

public class StorageTests
{
    private static readonly ArmTemplate _main = ArmTemplate.Main;

    private static JsonElement AccountProperties =>
        _main.Single("Microsoft.Storage/storageAccounts").Resource.GetProperty("properties");

    [Fact]
    public void Shared_key_access_is_disabled()
    {
        Assert.False(AccountProperties.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.True(AccountProperties.GetProperty("defaultToOAuthAuthentication").GetBoolean());
    }

    [Fact]
    public void Blobs_are_never_public_and_traffic_is_https_with_TLS_1_2()
    {
        Assert.False(AccountProperties.GetProperty("allowBlobPublicAccess").GetBoolean());
        Assert.True(AccountProperties.GetProperty("supportsHttpsTrafficOnly").GetBoolean());
        Assert.Equal("TLS1_2", AccountProperties.GetProperty("minimumTlsVersion").GetString());
        Assert.All(_main.AllResources("Microsoft.Storage/storageAccounts/blobServices/containers"),
            c => Assert.Equal("None", c.Resource.GetProperty("properties").GetProperty("publicAccess").GetString()));
    }

    [Fact]
    public void The_account_is_general_purpose_v2_so_the_task_hub_gets_blobs_queues_and_tables()
    {
        var (account, _) = _main.Single("Microsoft.Storage/storageAccounts");

        Assert.Equal("StorageV2", account.GetProperty("kind").GetString());
    }

    [Fact]
    public void The_policies_container_exists_for_policy_snapshots()
    {
        Assert.Contains(ContainerNameOrigins(), origin => origin.Value.GetString() == "policies");
    }

    [Fact]
    public void A_separate_container_holds_deployment_packages()
    {
        var origins = ContainerNameOrigins().ToList();

        Assert.Equal(2, origins.Count);
        Assert.Contains(origins, origin => origin.Text.Contains("app-package", StringComparison.Ordinal));
    }

    /// <summary>Where the name of each blob container comes from (the last step of following it).</summary>
    internal static IEnumerable<ArmTemplate.Step> ContainerNameOrigins() =>
        _main.AllResources("Microsoft.Storage/storageAccounts/blobServices/containers").Select(c =>
        {
            var name = c.Resource.GetProperty("name").GetString()!;
            var containerParameter = ArmTemplate.ParametersIn(name).Last();
            return c.Template.FollowParameter(containerParameter)[^1];
        });
}
