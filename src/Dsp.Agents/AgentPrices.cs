using Dsp.Core.Costs;
using Microsoft.Extensions.Configuration;

namespace Dsp.Agents;

/// <summary>
/// Where an agent's price comes from: the role's own <c>…:Price</c> setting, else <c>Dsp:Prices:{model}</c>, else the
/// built-in list (<see cref="PriceTable.BuiltIn"/>). A model with none is an error that names the settings to add.
/// </summary>
public static class AgentPrices
{
    /// <summary>Configuration section of price overrides: model name → <c>IN/OUT</c> dollars per 1M tokens.</summary>
    public const string Section = "Dsp:Prices";

    /// <summary>The built-in prices with <c>Dsp:Prices</c> applied.</summary>
    /// <exception cref="InvalidOperationException">A price setting is not <c>IN/OUT</c>; the message names it.</exception>
    public static PriceTable Table(IConfiguration configuration) => PriceTable.BuiltIn.With(
        configuration.GetSection(Section).GetChildren()
            .Select(price => new KeyValuePair<string, ModelPrice>(price.Key, Parse($"{Section}:{price.Key}", price.Value))));

    /// <summary>The price of a model the replay profile plays, or an error naming the setting to add.</summary>
    public static Func<string, ModelPrice> ForReplay(PriceTable prices) => model => prices.TryGet(model, out var price)
        ? price
        : throw new InvalidOperationException(
            $"No price for model '{model}' of the replayed traces. Add {Section}:{model} = IN/OUT (dollars per 1M prompt/completion tokens, e.g. 2.5/15); known: {prices.KnownModels()}.");

    /// <summary>A role's price.</summary>
    /// <exception cref="InvalidOperationException">No price is known or a setting is malformed; the message names the settings.</exception>
    internal static ModelPrice ForRole(PriceTable prices, string path, LiveAgentOptions options)
    {
        if (options.Price is { Length: > 0 } own)
        {
            return Parse($"{path}:Price", own);
        }

        var model = options.ModelName;
        return prices.TryGet(model, out var price)
            ? price
            : throw new InvalidOperationException(
                $"No price for model '{model}' ({path}). Add {path}:Price = IN/OUT (dollars per 1M prompt/completion tokens, e.g. 2.5/15) or {Section}:{model}; built-in prices: {prices.KnownModels()}.");
    }

    private static ModelPrice Parse(string setting, string? value)
    {
        try
        {
            return ModelPrice.Parse(value ?? string.Empty);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"{setting}: {e.Message}", e);
        }
    }
}
