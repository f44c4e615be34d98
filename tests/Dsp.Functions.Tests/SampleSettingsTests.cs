using System.Text.Json;
using Dsp.Core.Agents;
using Dsp.Core.Costs;
using Dsp.Functions.Policy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Dsp.Functions.Tests;

/// <summary>local.settings.sample.json must work as it is: Azurite, replay agents until Azure OpenAI is filled in.</summary>
public class SampleSettingsTests
{
    [Fact]
    public void The_sample_settings_start_the_app_on_replay_agents_until_azure_openai_is_filled_in()
    {
        var configuration = SampleConfiguration();
        using var services = new ServiceCollection()
            .AddSingleton(configuration)
            .AddDspPlanning(configuration)
            .AddInMemoryStores()
            .BuildServiceProvider();

        var agents = services.GetRequiredService<IAgentProfiles>();

        Assert.IsType<ReplayAgent>(agents.Find("default")!.Draft);
        Assert.Equal("UseDevelopmentStorage=true", configuration["Dsp:Storage:ConnectionString"]);
        Assert.Equal("0 */5 * * * *", configuration[RetrainPolicyFunction.ScheduleSetting]);
        Assert.NotNull(services.GetRequiredService<PriceTable>());
    }

    private static IConfiguration SampleConfiguration()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory!.FullName, "local.settings.sample.json")))
        {
            directory = directory.Parent;
        }

        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory.FullName, "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.GetString());
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }
}
