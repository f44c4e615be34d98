using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dsp.Core.Costs;

/// <summary>
/// Prices per model name (case-insensitive): the built-in list prices (data in <c>Costs/prices.json</c>, each with
/// its source and date), overridable.
/// </summary>
public sealed class PriceTable
{
    private readonly FrozenDictionary<string, ModelPrice> _prices;

    private PriceTable(IEnumerable<KeyValuePair<string, ModelPrice>> prices) =>
        _prices = prices.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The built-in prices with where each comes from.</summary>
    public static IReadOnlyList<BuiltInPrice> BuiltInPrices { get; } = BuiltInPrice.Load();

    /// <summary>List prices of OpenAI models (Azure OpenAI Global Standard and OpenAI), dollars per 1M prompt / completion tokens.</summary>
    public static PriceTable BuiltIn { get; } = new(BuiltInPrices.Select(p => new KeyValuePair<string, ModelPrice>(p.Model, p.Price)));

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

    /// <summary>The model's price, if the table has one.</summary>
    public bool TryGet(string model, out ModelPrice price) => _prices.TryGetValue(model, out price);

    /// <summary>The model's price; throws naming the known models when it has none.</summary>
    public ModelPrice this[string model] => _prices.TryGetValue(model, out var price)
        ? price
        : throw new KeyNotFoundException(
            $"No price for model '{model}'. Give one (e.g. --price {model}=10/30); known: {KnownModels()}.");

    /// <summary>The models with a price, sorted, for messages.</summary>
    public string KnownModels() => string.Join(", ", _prices.Keys.Order(StringComparer.OrdinalIgnoreCase));
}

/// <summary>A built-in price and where it comes from.</summary>
/// <param name="Model">The model name as deployed (Azure) or called (OpenAI).</param>
/// <param name="Price">Dollars per 1M prompt / completion tokens.</param>
/// <param name="Source">The published price list the figure is read from.</param>
/// <param name="AsOf">The date the figure was read (or published).</param>
/// <param name="Assumption">What the figure assumes beyond its source (null when it is the source's own figure).</param>
public sealed record BuiltInPrice(string Model, ModelPrice Price, Uri Source, DateOnly AsOf, string? Assumption)
{
    private const string Resource = "Dsp.Core.Costs.prices.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    internal static IReadOnlyList<BuiltInPrice> Load()
    {
        using var stream = typeof(BuiltInPrice).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The built-in price list {Resource} is missing from the assembly.");
        var file = JsonSerializer.Deserialize<PriceFile>(stream, Json)
            ?? throw new InvalidOperationException($"The built-in price list {Resource} is empty.");
        return [.. file.Models.Select(m => new BuiltInPrice(m.Model, new ModelPrice(m.Prompt, m.Completion), m.Source, m.AsOf, m.Assumption))];
    }

    private sealed record PriceFile([property: JsonRequired] List<PriceEntry> Models);

    private sealed record PriceEntry(
        [property: JsonRequired] string Model,
        [property: JsonRequired] double Prompt,
        [property: JsonRequired] double Completion,
        [property: JsonRequired] Uri Source,
        [property: JsonRequired] DateOnly AsOf,
        string? Assumption);
}
