namespace Dsp.Core.Costs;

/// <summary>A model's list price in US dollars per million tokens.</summary>
/// <param name="PromptPerMillion">Dollars per 1M prompt (input) tokens.</param>
/// <param name="CompletionPerMillion">Dollars per 1M completion (output) tokens.</param>
public readonly record struct ModelPrice(double PromptPerMillion, double CompletionPerMillion)
{
    /// <summary>Dollars per prompt (input) token.</summary>
    public double PromptPerToken => PromptPerMillion / 1_000_000.0;

    /// <summary>Dollars per completion (output) token.</summary>
    public double CompletionPerToken => CompletionPerMillion / 1_000_000.0;

    /// <summary>The cost of a call with these token counts.</summary>
    public double Cost(int promptTokens, int completionTokens) =>
        ((promptTokens * PromptPerMillion) + (completionTokens * CompletionPerMillion)) / 1_000_000.0;

    /// <summary>Reads <c>IN/OUT</c>, e.g. <c>10/30</c>.</summary>
    public static ModelPrice Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2
            || !double.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var prompt)
            || !double.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var completion)
            || prompt < 0 || completion < 0 || !double.IsFinite(prompt) || !double.IsFinite(completion))
        {
            throw new FormatException($"'{text}' is not a price: write dollars per 1M prompt/completion tokens, e.g. 10/30.");
        }

        return new ModelPrice(prompt, completion);
    }
}
