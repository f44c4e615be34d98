using Dsp.Core.Costs;
using Dsp.Core.Engine;
using Dsp.Core.Planning;

namespace Dsp.Core.Tests.Costs;

public class PriceTests
{
    [Theory]
    [InlineData("gpt-4-turbo", 10, 30)]
    [InlineData("gpt-4.1", 2, 8)]
    [InlineData("gpt-4.1-mini", 0.4, 1.6)]
    [InlineData("gpt-4.1-nano", 0.1, 0.4)]
    [InlineData("gpt-4o", 2.5, 10)]
    [InlineData("GPT-4o-mini", 0.15, 0.6)]
    [InlineData("gpt-5.4", 2.5, 15)]
    [InlineData("gpt-5.4-mini", 0.75, 4.5)]
    [InlineData("gpt-5-mini", 0.25, 2)]
    [InlineData("gpt-5.6-luna", 0.2, 1.2)]
    public void Built_in_prices_are_list_prices_per_million_tokens(string model, double prompt, double completion)
    {
        Assert.Equal(new ModelPrice(prompt, completion), PriceTable.BuiltIn[model]);
    }

    [Fact]
    public void Every_built_in_price_says_where_it_comes_from_and_when()
    {
        Assert.NotEmpty(PriceTable.BuiltInPrices);
        Assert.Equal(PriceTable.BuiltInPrices.Count, PriceTable.BuiltInPrices.Select(p => p.Model).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(PriceTable.BuiltInPrices, price =>
        {
            Assert.True(price.Source.IsAbsoluteUri && price.Source.Scheme == "https", price.Model);
            Assert.InRange(price.AsOf, new DateOnly(2024, 1, 1), new DateOnly(2026, 12, 4));
            Assert.True(price.Price.PromptPerMillion > 0 && price.Price.CompletionPerMillion >= price.Price.PromptPerMillion, price.Model);
            Assert.True(price.Assumption is null || price.Assumption.Length > 10, price.Model);
        });
    }

    [Fact]
    public void A_price_per_token_is_the_price_per_million_over_a_million()
    {
        var price = new ModelPrice(2.5, 15);

        Assert.Equal(2.5e-6, price.PromptPerToken, 15);
        Assert.Equal(15e-6, price.CompletionPerToken, 15);
        Assert.Equal(1000 * price.PromptPerToken + 100 * price.CompletionPerToken, price.Cost(1000, 100), 15);
    }

    [Fact]
    public void Overrides_replace_and_add_prices()
    {
        var table = PriceTable.BuiltIn.With([new("gpt-4o", new ModelPrice(1, 2)), new("deepseek-chat", ModelPrice.Parse("0.27/1.1"))]);

        Assert.Equal(new ModelPrice(1, 2), table["gpt-4o"]);
        Assert.Equal(new ModelPrice(0.27, 1.1), table["deepseek-chat"]);
        Assert.Equal(new ModelPrice(2.5, 10), PriceTable.BuiltIn["gpt-4o"]);
    }

    [Fact]
    public void An_unknown_model_names_the_fix()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => PriceTable.BuiltIn["llama"]);
        Assert.Contains("--price llama=", error.Message);
    }

    [Theory]
    [InlineData("10")]
    [InlineData("a/b")]
    [InlineData("-1/2")]
    [InlineData("1/2/3")]
    public void Malformed_prices_are_refused(string text)
    {
        Assert.Throws<FormatException>(() => ModelPrice.Parse(text));
    }

    [Fact]
    public void A_call_costs_its_prompt_and_completion_tokens()
    {
        Assert.Equal(0.009 + 0.0036, new ModelPrice(10, 30).Cost(900, 120), 12);
    }

    [Fact]
    public void The_ledger_counts_rejected_drafts_and_calls_beyond_the_mismatch_as_unnecessary()
    {
        var ledger = new CostLedger(new ModelPrice(1_000_000, 0), new ModelPrice(2_000_000, 0)); // $1 / $2 per prompt token
        ledger.Record(AgentRole.Draft, 3, new CallUsage(1, 0, 1));           // rejected draft: wasted
        ledger.Record(AgentRole.Target, 3, new CallUsage(1, 0, 1));          // kept target: needed
        ledger.Record(AgentRole.Draft, 4, new CallUsage(1, 0, 1, true));     // beyond the mismatch: wasted
        ledger.Record(AgentRole.Target, 4, new CallUsage(1, 0, 1, true));    // beyond the mismatch: wasted

        ledger.CloseRound(new RoundOutcome(0, 3, 2, 1, 0, 3));

        Assert.Equal(6, ledger.TotalUsd, 9);
        Assert.Equal(4, ledger.UnnecessaryUsd, 9);
        Assert.Equal(2, ledger.CancelledCalls);
        Assert.Equal(2, ledger.DraftUsd, 9);
    }
}
