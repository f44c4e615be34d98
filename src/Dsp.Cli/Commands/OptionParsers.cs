using System.CommandLine.Parsing;
using System.Globalization;

namespace Dsp.Cli.Commands;

/// <summary>Custom parsers shared by the commands' options; their errors name the option.</summary>
internal static class OptionParsers
{
    /// <summary>Parses one whole number of at least <paramref name="minimum"/>.</summary>
    public static Func<ArgumentResult, int> WholeNumber(int minimum) => result =>
    {
        var text = result.Tokens.Single().Value;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < minimum)
        {
            result.AddError($"{OptionName(result)} must be a whole number of at least {minimum}, not '{text}'.");
        }

        return value;
    };

    /// <summary>The values of a list option, given comma-separated and/or by repeating the option.</summary>
    public static IEnumerable<string> Items(ArgumentResult result) =>
        result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>The name of the option whose argument <paramref name="result"/> is.</summary>
    public static string OptionName(ArgumentResult result) => result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
}
