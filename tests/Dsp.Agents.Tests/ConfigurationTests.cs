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
    public void A_profile_is_built_from_configuration_and_sends_no_sampling_setting_it_was_not_given()
    {
        var profiles = LiveAgentProfiles.Create(Settings([.. Endpoint,
            ("Dsp:Agents:Profiles:default:Draft:Deployment", "small"),
            ("Dsp:Agents:Profiles:default:Draft:Model", "gpt-5.4-mini"),
            ("Dsp:Agents:Profiles:default:Draft:Strategy", "react"),
            ("Dsp:Agents:Profiles:default:Target:Deployment", "gpt-5.4"),
            ("Dsp:Agents:Profiles:default:Target:Strategy", "debate"),
            ("Dsp:Agents:Profiles:default:Target:DebateRounds", "3"),
            ("Dsp:Agents:Profiles:default:AllowedActions:0", "Image Deblurring")]), TimeProvider.System);

        var profile = Assert.Single(profiles);
        Assert.Equal("gpt-5.4", profile.Target.Model); // the deployment's name when no model is given
        Assert.IsType<ReactAgent>(profile.Draft);
        Assert.Equal(3, Assert.IsType<DebateAgent>(profile.Target).Rounds);
        Assert.Null(profile.StepLimit("any task", null));
        var defaults = new LiveProfileOptions();
        Assert.Null(defaults.Target.Temperature);
        Assert.Null(defaults.Target.Seed);
        Assert.Null(defaults.Target.ReasoningEffort);
        Assert.Null(defaults.Target.MaxOutputTokens);
    }

    [Theory]
    [InlineData("Dsp:Agents:Profiles:p:Target:Strategy", "tree-of-thought", "Dsp:Agents:Profiles:p:Target:Strategy 'tree-of-thought' is unknown")]
    [InlineData("Dsp:Agents:Profiles:p:Draft:Deployment", "", "Dsp:Agents:Profiles:p:Draft: give a Deployment")]
    [InlineData("Dsp:OpenAI:Kind", "bedrock", "Dsp:OpenAI:Kind must be 'azure' or 'openai'")]
    [InlineData("Dsp:OpenAI:ApiVersion", "2023-05-15", "Dsp:OpenAI:ApiVersion must be 'v1', '2024-10-21', '2024-06-01', not '2023-05-15'")]
    [InlineData("Dsp:Agents:Profiles:p:Prompts:System", "Plan this: {task}", "Dsp:Agents:Profiles:p:Prompts:System must not contain {task}")]
    [InlineData("Dsp:Agents:Profiles:p:Prompts:System", "Steps so far: {history}", "Dsp:Agents:Profiles:p:Prompts:System must not contain {history}")]
    [InlineData("Dsp:Agents:Profiles:p:Target:ReasoningEffort", "extreme", "Dsp:Agents:Profiles:p:Target:ReasoningEffort 'extreme' is not one of none, minimal, low, medium, high, xhigh")]
    [InlineData("Dsp:Agents:Profiles:p:Target:ReasoningEffort", "max", "'max' exists only in the Responses API")]
    [InlineData("Dsp:Agents:Profiles:p:Target:Temperature", "0", "a reasoning model (ReasoningEffort is set) refuses temperature; remove Dsp:Agents:Profiles:p:Target:Temperature")]
    [InlineData("Dsp:OpenAI:ApiVersion", "2024-10-21", "Dsp:Agents:Profiles:p:Target:ReasoningEffort needs Dsp:OpenAI:ApiVersion 'v1'")]
    [InlineData("Dsp:Agents:Profiles:p:Target:MaxOutputTokens", "0", "Dsp:Agents:Profiles:p:Target:MaxOutputTokens must be at least 1")]
    [InlineData("Dsp:Agents:Profiles:p:Draft:Price", "cheap", "Dsp:Agents:Profiles:p:Draft:Price: 'cheap' is not a price")]
    [InlineData("Dsp:Prices:gpt-5.4", "2.5", "Dsp:Prices:gpt-5.4: '2.5' is not a price")]
    public void Configuration_errors_name_the_setting(string key, string value, string message)
    {
        var settings = new Dictionary<string, string>
        {
            ["Dsp:OpenAI:Endpoint"] = "https://example.openai.azure.com/",
            ["Dsp:Agents:Profiles:p:Draft:Deployment"] = "gpt-5.4-mini",
            ["Dsp:Agents:Profiles:p:Target:Deployment"] = "gpt-5.4",
            ["Dsp:Agents:Profiles:p:Target:ReasoningEffort"] = "low",
            [key] = value,
        };

        var e = Assert.Throws<InvalidOperationException>(() =>
            LiveAgentProfiles.Validate(Settings([.. settings.Select(s => (s.Key, s.Value))])));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_endpoint_is_reported()
    {
        var e = Assert.Throws<InvalidOperationException>(() => LiveAgentProfiles.Create(
            Settings(("Dsp:Agents:Profiles:p:Target:Deployment", "gpt-5.4"), ("Dsp:Agents:Profiles:p:Draft:Deployment", "gpt-5.4-mini")), TimeProvider.System));

        Assert.Contains("Dsp:OpenAI:Endpoint must be an absolute URL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_without_a_price_stops_start_up_naming_the_settings_to_add()
    {
        var settings = Settings([.. Endpoint,
            ("Dsp:Agents:Profiles:p:Draft:Deployment", "drafter"),
            ("Dsp:Agents:Profiles:p:Draft:Model", "my-small-model"),
            ("Dsp:Agents:Profiles:p:Target:Deployment", "gpt-5.4")]);

        // At registration, before any host starts or any plan runs.
        var e = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddDspAgents(settings));

        Assert.Contains("No price for model 'my-small-model' (Dsp:Agents:Profiles:p:Draft)", e.Message, StringComparison.Ordinal);
        Assert.Contains("Add Dsp:Agents:Profiles:p:Draft:Price = IN/OUT", e.Message, StringComparison.Ordinal);
        Assert.Contains("or Dsp:Prices:my-small-model", e.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(e); // not a KeyNotFoundException
    }

    [Fact]
    public void A_role_price_wins_over_a_prices_setting_which_wins_over_the_built_in_price()
    {
        var profile = Assert.Single(LiveAgentProfiles.Create(Settings([.. Endpoint,
            ("Dsp:Prices:gpt-5.4", "3/18"),
            ("Dsp:Prices:deepseek-chat", "0.27/1.10"),
            ("Dsp:Agents:Profiles:p:Draft:Deployment", "drafter"),
            ("Dsp:Agents:Profiles:p:Draft:Model", "deepseek-chat"),
            ("Dsp:Agents:Profiles:p:Target:Deployment", "gpt-5.4"),
            ("Dsp:Agents:Profiles:p:Target:Price", "2/16")]), TimeProvider.System));

        Assert.Equal(new ModelPrice(0.27, 1.10), profile.DraftPrice);
        Assert.Equal(new ModelPrice(2, 16), profile.TargetPrice);
        Assert.Equal(new ModelPrice(2.5, 15), PriceTable.BuiltIn["gpt-5.4"]);
        Assert.Equal(2 / 1_000_000.0, profile.PriceFor(Dsp.Core.Planning.AgentRole.Target).PromptPerToken, 15);
    }

    [Fact]
    public void A_live_profile_named_other_than_default_keeps_the_replay_default()
    {
        var replay = new ReplayProfiles(new TraceCatalog([]), 1, TimeProvider.System, AgentPrices.ForReplay(PriceTable.BuiltIn));
        var services = new ServiceCollection()
            .AddDspAgents(Settings([.. Endpoint, ("Dsp:Agents:Profiles:azure:Draft:Deployment", "gpt-5.4-mini"), ("Dsp:Agents:Profiles:azure:Target:Deployment", "gpt-5.4")]), _ => replay)
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

    [Fact]
    public void A_replayed_model_without_a_price_names_the_setting_to_add()
    {
        var e = Assert.Throws<InvalidOperationException>(() => AgentPrices.ForReplay(PriceTable.BuiltIn)("llama-3"));

        Assert.Contains("Add Dsp:Prices:llama-3 = IN/OUT", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://acct.openai.azure.com/", "https://acct.openai.azure.com/openai/v1/")]
    [InlineData("https://acct.openai.azure.com", "https://acct.openai.azure.com/openai/v1/")]
    [InlineData("https://acct.openai.azure.com/openai/v1", "https://acct.openai.azure.com/openai/v1/")]
    public void The_v1_address_is_derived_from_the_resource_endpoint(string endpoint, string v1) =>
        Assert.Equal(new Uri(v1), ChatClientFactory.V1Address(new Uri(endpoint)));
}
