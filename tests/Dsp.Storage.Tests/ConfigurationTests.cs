using Dsp.Core.Planning;
using Dsp.Core.Runs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dsp.Storage.Tests;

public class ConfigurationTests
{
    [Fact]
    public void Missing_storage_settings_fail_at_startup_naming_them()
    {
        using var services = Provider([]);

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        foreach (var setting in new[] { "Dsp:Storage:ConnectionString", "Dsp:Storage:TableServiceUri", "Dsp:Storage:BlobServiceUri",
            "Dsp__Storage__ConnectionString", "Dsp__Storage__TableServiceUri", "Dsp__Storage__BlobServiceUri", "Dsp:Storage:ClientId" })
        {
            Assert.Contains(setting, error.Message);
        }

        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<ITrainingStore>());
    }

    [Fact]
    public void One_endpoint_without_the_other_names_the_missing_one()
    {
        using var services = Provider(new() { ["Dsp:Storage:TableServiceUri"] = "https://acct.table.core.windows.net" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Missing: Dsp:Storage:BlobServiceUri.", error.Message);
    }

    [Theory]
    [InlineData("Dsp:Storage:TablePrefix", "1bad")]
    [InlineData("Dsp:Storage:PolicyContainer", "Policies")]
    [InlineData("Dsp:Storage:PlanContainer", "plans--1")]
    [InlineData("Dsp:Storage:TableServiceUri", "not a uri")]
    [InlineData("Dsp:Storage:MaxRetries", "-1")]
    [InlineData("Dsp:Storage:TrainingLookback", "00:00:00")]
    [InlineData("Dsp:Storage:TrainingLookback", "30.00:00:00")]
    public void Invalid_settings_are_named(string setting, string value)
    {
        using var services = Provider(new()
        {
            ["Dsp:Storage:TableServiceUri"] = "https://acct.table.core.windows.net",
            ["Dsp:Storage:BlobServiceUri"] = "https://acct.blob.core.windows.net",
            [setting] = value,
        });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(setting, error.Message);
    }

    [Fact]
    public void Identity_based_settings_reach_the_configured_endpoints()
    {
        using var services = Provider(new()
        {
            ["Dsp:Storage:TableServiceUri"] = "https://acct.table.core.windows.net",
            ["Dsp:Storage:BlobServiceUri"] = "https://acct.blob.core.windows.net",
            ["Dsp:Storage:ClientId"] = "00000000-0000-0000-0000-000000000001",
            ["Dsp:Storage:TablePrefix"] = "dev",
        });

        services.GetRequiredService<IStartupValidator>().Validate();
        var account = services.GetRequiredService<DspStorageAccount>();

        Assert.Equal(new Uri("https://acct.table.core.windows.net"), account.TableService.Uri);
        Assert.Equal(new Uri("https://acct.blob.core.windows.net"), account.BlobService.Uri);
        Assert.Equal("devTransitions", account.Transitions.Name);
        Assert.Equal("policies", account.PolicyBlobs.Name);
        Assert.Equal(5, account.Options.MaxRetries);
        Assert.IsType<TableTrainingStore>(services.GetRequiredService<ITrainingStore>());
        Assert.IsType<TableRunStore>(services.GetRequiredService<IRunStore>());
        Assert.IsType<BlobPolicyStore>(services.GetRequiredService<IPolicyStore>());
        Assert.IsType<TableCancellationStore>(services.GetRequiredService<ICancellationStore>());
    }

    internal static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddDspStorage(configuration).BuildServiceProvider(validateScopes: true);
    }
}

[Collection(UsesAzurite.Name)]
public class ConnectionStringConfigurationTests
{
    [Fact]
    public async Task A_connection_string_reaches_azurite_through_the_registered_stores()
    {
        var prefix = $"c{Guid.NewGuid():N}"[..12];
        using var services = ConfigurationTests.Provider(new()
        {
            ["Dsp:Storage:ConnectionString"] = AzuriteFixture.ConnectionString,
            ["Dsp:Storage:TablePrefix"] = prefix,
        });
        services.GetRequiredService<IStartupValidator>().Validate();
        var cancellations = services.GetRequiredService<ICancellationStore>();

        await cancellations.CancelRunAsync("run-1");

        Assert.True(await cancellations.IsCancelledAsync("run-1", new CallKey(0, AgentRole.Draft, 0)));
        await services.GetRequiredService<DspStorageAccount>().TableService.DeleteTableAsync(prefix + DspStorageAccount.CancellationsTableName);
    }
}
