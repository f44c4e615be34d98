using System.Collections.Frozen;

namespace Dsp.Core.Costs;

/// <summary>Prices per model name (case-insensitive): built-in list prices, overridable.</summary>
public sealed class PriceTable
{
    private readonly FrozenDictionary<string, ModelPrice> _prices;

    private PriceTable(IEnumerable<KeyValuePair<string, ModelPrice>> prices) =>
        _prices = prices.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>List prices of common OpenAI models, in dollars per 1M prompt / completion tokens.</summary>
    public static PriceTable BuiltIn { get; } = new(new Dictionary<string, ModelPrice>
    {
        ["gpt-4-turbo"] = new(10, 30),
        ["gpt-4.1"] = new(2, 8),
        ["gpt-4.1-mini"] = new(0.4, 1.6),
        ["gpt-4.1-nano"] = new(0.1, 0.4),
        ["gpt-4o"] = new(2.5, 10),
        ["gpt-4o-mini"] = new(0.15, 0.6),
    });

    /// <summary>The models with a price.</summary>
    public IEnumerable<string> Models => _prices.Keys;

    /// <summary>A table with these prices added or replacing the ones of the same model.</summary>
    public PriceTable With(IEnumerable<KeyValuePair<string, ModelPrice>> overrides)
    {
        var merged = new Dictionary<string, ModelPrice>(_prices, StringComparer.OrdinalIgnoreCase);
        foreach (var (model, price) in overrides)
        {
            merged[model] = price;
        }

        return new PriceTable(merged);
    }

    /// <summary>The model's price; throws naming the known models when it has none.</summary>
    public ModelPrice this[string model] => _prices.TryGetValue(model, out var price)
        ? price
        : throw new KeyNotFoundException(
            $"No price for model '{model}'. Give one (e.g. --price {model}=10/30); known: {string.Join(", ", _prices.Keys.Order())}.");
}
