using Dsp.Core.Agents;
using Dsp.Core.Costs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Dsp.Agents.Tests;

public class ConfigurationTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    private static readonly (string, string)[] Endpoint = [("Dsp:OpenAI:Endpoint", "https://example.openai.azure.com/"), ("Dsp:OpenAI:ApiKey", "k")];

    [Fact]
    public void A_profile_is_built_from_configuration_with_deterministic_target_defaults()
    {
        var profiles = LiveAgentProfiles.Create(Settings([.. Endpoint,
            ("Dsp:Agents:Profiles:default:Draft:Deployment", "small"),
            ("Dsp:Agents:Profiles:default:Draft:Strategy", "react"),
            ("Dsp:Agents:Profiles:default:Target:Deployment", "gpt-4.1"),
            ("Dsp:Agents:Profiles:default:Target:Strategy", "debate"),
            ("Dsp:Agents:Profiles:default:Target:DebateRounds", "3"),
            ("Dsp:Agents:Profiles:default:AllowedActions:0", "Image Deblurring")]), TimeProvider.System);

        var profile = Assert.Single(profiles);
        Assert.Equal("small", profile.Draft.Model); // the deployment's name when no model is given
        Assert.IsType<ReactAgent>(profile.Draft);
        Assert.Equal(3, Assert.IsType<DebateAgent>(profile.Target).Rounds);
        Assert.Null(profile.StepLimit("any task", null));
        var defaults = new LiveProfileOptions();
        Assert.Equal(0, defaults.Target.Temperature);
        Assert.Equal(LiveAgentOptions.DefaultSeed, defaults.Target.Seed);
    }

    [Theory]
    [InlineData("Dsp:Agents:Profiles:p:Target:Strategy", "tree-of-thought", "Dsp:Agents:Profiles:p:Target:Strategy 'tree-of-thought' is unknown")]
    [InlineData("Dsp:Agents:Profiles:p:Draft:Deployment", "", "Dsp:Agents:Profiles:p:Draft: give a Deployment")]
    [InlineData("Dsp:OpenAI:Kind", "bedrock", "Dsp:OpenAI:Kind must be 'azure' or 'openai'")]
    [InlineData("Dsp:Agents:Profiles:p:Prompts:System", "Plan this: {task}", "Dsp:Agents:Profiles:p:Prompts:System must not contain {task}")]
    [InlineData("Dsp:Agents:Profiles:p:Prompts:System", "Steps so far: {history}", "Dsp:Agents:Profiles:p:Prompts:System must not contain {history}")]
    public void Configuration_errors_name_the_setting(string key, string value, string message)
    {
        var settings = new Dictionary<string, string>
        {
            ["Dsp:OpenAI:Endpoint"] = "https://example.openai.azure.com/",
            ["Dsp:Agents:Profiles:p:Draft:Deployment"] = "small",
            ["Dsp:Agents:Profiles:p:Target:Deployment"] = "large",
            [key] = value,
        };

        var e = Assert.Throws<InvalidOperationException>(() =>
            LiveAgentProfiles.Create(Settings([.. settings.Select(s => (s.Key, s.Value))]), TimeProvider.System));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_endpoint_is_reported()
    {
        var e = Assert.Throws<InvalidOperationException>(() => LiveAgentProfiles.Create(
            Settings(("Dsp:Agents:Profiles:p:Target:Deployment", "large")), TimeProvider.System));

        Assert.Contains("Dsp:OpenAI:Endpoint must be an absolute URL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Profile_prices_are_read_for_models_without_a_built_in_price()
    {
        var prices = LiveAgentProfiles.Prices(Settings(
            ("Dsp:Agents:Profiles:p:Draft:Model", "deepseek-chat"),
            ("Dsp:Agents:Profiles:p:Draft:Price", "0.27/1.10"))).ToList();

        var (model, price) = Assert.Single(prices);
        Assert.Equal("deepseek-chat", model);
        Assert.Equal(ModelPrice.Parse("0.27/1.10"), price);
    }

    [Fact]
    public void A_live_profile_named_other_than_default_keeps_the_replay_default()
    {
        var replay = new ReplayProfiles(new TraceCatalog([]), 1, TimeProvider.System);
        var services = new ServiceCollection()
            .AddDspAgents(Settings([.. Endpoint, ("Dsp:Agents:Profiles:azure:Draft:Deployment", "small"), ("Dsp:Agents:Profiles:azure:Target:Deployment", "large")]), _ => replay)
            .BuildServiceProvider();

        var profiles = services.GetRequiredService<IAgentProfiles>();

        Assert.Equal(["default", "azure", "replay"], profiles.Names);
        Assert.Same(replay.Find("default"), profiles.Find("default"));
        Assert.Equal("replay", profiles.Find("replay")!.Name);
        Assert.IsType<DirectAgent>(profiles.Find("azure")!.Target);
        Assert.Null(profiles.Find("nope"));
    }

    [Fact]
    public void Nothing_is_registered_without_live_profiles()
    {
        var services = new ServiceCollection().AddDspAgents(Settings(Endpoint));

        Assert.DoesNotContain(services, s => s.ServiceType == typeof(IAgentProfiles));
    }
}
