using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Dsp.Cli.Benchmarking;
using Dsp.Core.Acceptance;

namespace Dsp.Cli.Commands;

/// <summary>
/// The options of <c>dsp bench</c> that configure the adaptive policy: the values of time swept and the acceptance
/// model to start from (cold by default). It shares <c>--retrain-every</c> and <c>--cold-start-depth</c> with dsp.
/// They are refused when <c>--policies</c> does not name adaptive.
/// </summary>
internal sealed class AdaptiveBenchOptions
{
    private readonly Option<double[]> _valuesOfTime = new("--value-of-time")
    {
        Description = "adaptive: values of time, in dollars per second of plan latency saved (higher: faster, dearer)",
        HelpName = "DOLLARS,...",
        Arity = ArgumentArity.OneOrMore,
        DefaultValueFactory = _ => [Functions.Policy.PolicyOptions.DefaultValueOfTime],
        CustomParser = ParseValuesOfTime,
    };

    private readonly Option<FileInfo> _prior = new Option<FileInfo>("--prior")
    {
        Description = "adaptive: start every value of time from this acceptance model (as dsp prior writes) instead of untrained",
        HelpName = "MODEL",
    }.AcceptExistingOnly();

    /// <summary>Every adaptive option, to add to the command.</summary>
    public IReadOnlyList<Option> All => [_valuesOfTime, _prior];

    /// <summary>Throws when an adaptive option was given although adaptive is not among the policies.</summary>
    public void RefuseWithoutAdaptive(ParseResult parse)
    {
        var given = All.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
        if (given.Count > 0)
        {
            throw new CommandException(
                $"{string.Join(", ", given)} {(given.Count == 1 ? "configures" : "configure")} the {OnlineAdaptiveBenchmark.PolicyName} policy; add {OnlineAdaptiveBenchmark.PolicyName} to --policies.");
        }
    }

    /// <summary>The sweep the options ask for, <paramref name="passes"/> passes each.</summary>
    public AdaptiveSweep Sweep(ParseResult parse, int passes, int retrainEvery, int coldStartDepth, int position) => new(
        parse.GetValue(_valuesOfTime)!,
        new AdaptiveLearningOptions
        {
            Passes = passes,
            RetrainEvery = retrainEvery,
            ColdStartDepth = coldStartDepth,
            InitialModel = parse.GetValue(_prior) is { } file ? ModelFile.Read(file) : null,
        },
        position);

    private static double[] ParseValuesOfTime(ArgumentResult result)
    {
        var values = new List<double>();
        foreach (var item in OptionParsers.Items(result))
        {
            if (double.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= 0)
            {
                values.Add(value);
            }
            else
            {
                result.AddError($"--value-of-time values are dollars per second, at least 0, not '{item}'.");
            }
        }

        if (values.Count == 0 && !result.Errors.Any())
        {
            result.AddError("--value-of-time names no value.");
        }

        return [.. values.Distinct().Order()];
    }
}
