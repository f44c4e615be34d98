using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Dsp.Cli.Benchmarking;
using Dsp.Core.Policy;
using Dsp.Core.Simulation;
using Spectre.Console;

namespace Dsp.Cli.Commands;

/// <summary>
/// The options of <c>dsp bench</c> that configure the dsp policy: the (τ, β) settings swept, how each stream learns
/// (retraining, seed, depth bounds, an initial snapshot) and where the first setting's snapshot and transitions
/// are saved. They are refused when <c>--policies</c> does not name dsp.
/// </summary>
internal sealed class DspBenchOptions
{
    private static readonly DepthSelection _defaultSelection = new();

    private readonly Option<float[]> _taus = new("--tau")
    {
        Description = "dsp: expectile levels τ, each strictly between 0 and 1 (higher: deeper, faster, dearer)",
        HelpName = "TAU,...",
        Arity = ArgumentArity.OneOrMore,
        DefaultValueFactory = _ => [_defaultSelection.Tradeoff],
        CustomParser = ParseTaus,
    };

    private readonly Option<int[]> _offsets = new("--offset")
    {
        Description = "dsp: depth offsets β added to the predicted depth; every (τ, β) pair is one setting",
        HelpName = "BETA,...",
        Arity = ArgumentArity.OneOrMore,
        DefaultValueFactory = _ => [_defaultSelection.Offset],
        CustomParser = ParseOffsets,
    };

    private readonly Option<int> _retrainEvery = new("--retrain-every")
    {
        Description = "dsp, adaptive: retrain after every N tasks (0: never)",
        HelpName = "N",
        DefaultValueFactory = _ => new OnlineLearningOptions().RetrainEvery,
        CustomParser = OptionParsers.WholeNumber(0),
    };

    private readonly Option<int> _seed = new("--seed")
    {
        Description = "dsp: the training seed (initial weights and shuffling); adaptive trains exactly and needs none",
        HelpName = "S",
        DefaultValueFactory = _ => new TrainerOptions().Seed,
    };

    private readonly Option<int> _minDepth = new("--min-depth")
    {
        Description = "dsp: the shallowest depth (0 lets it skip the draft)",
        HelpName = "K",
        DefaultValueFactory = _ => _defaultSelection.MinDepth,
        CustomParser = OptionParsers.WholeNumber(0),
    };

    private readonly Option<int> _maxDepth = new("--max-depth")
    {
        Description = "dsp: the deepest depth",
        HelpName = "K",
        DefaultValueFactory = _ => _defaultSelection.MaxDepth,
        CustomParser = OptionParsers.WholeNumber(1),
    };

    private readonly Option<int> _coldStartDepth = new("--cold-start-depth")
    {
        Description = "dsp, adaptive: the depth before the first training (for dsp, β is still added; adaptive chains at least this many drafts and further where the runs so far say it pays)",
        HelpName = "K",
        DefaultValueFactory = _ => _defaultSelection.ColdStartDepth,
        CustomParser = OptionParsers.WholeNumber(0),
    };

    private readonly Option<FileInfo> _policySnapshot = new Option<FileInfo>("--policy-snapshot")
    {
        Description = "dsp: start every setting from this trained policy instead of untrained",
        HelpName = "SNAPSHOT",
    }.AcceptExistingOnly();

    private readonly Option<FileInfo?> _saveSnapshot = new("--save-snapshot")
    {
        Description = "dsp: write the first setting's final policy snapshot",
        HelpName = "SNAPSHOT",
    };

    private readonly Option<FileInfo?> _saveTransitions = new("--save-transitions")
    {
        Description = "dsp: write the first setting's transitions as JSON Lines (for dsp train)",
        HelpName = "OUT.jsonl",
    };

    /// <summary>Every dsp option, to add to the command.</summary>
    public IReadOnlyList<Option> All =>
        [_taus, _offsets, _retrainEvery, _seed, _minDepth, _maxDepth, _coldStartDepth, _policySnapshot, _saveSnapshot, _saveTransitions];

    /// <summary>--retrain-every, which adaptive shares.</summary>
    public int RetrainEvery(ParseResult parse) => parse.GetValue(_retrainEvery);

    /// <summary>--cold-start-depth, which adaptive shares.</summary>
    public int ColdStartDepth(ParseResult parse) => parse.GetValue(_coldStartDepth);

    /// <summary>Throws when a dsp option was given although dsp is not among the policies (the options adaptive
    /// shares are fine when it is).</summary>
    public void RefuseWithout(ParseResult parse, bool dsp, bool adaptive)
    {
        if (dsp)
        {
            return;
        }

        // The adaptive policy's training is exact and deterministic (Newton's method): it accepts --seed and needs none.
        Option[] shared = [_retrainEvery, _coldStartDepth, _seed];
        var given = All.Where(o => parse.GetResult(o) is { Implicit: false } && !(adaptive && shared.Contains(o))).Select(o => o.Name).ToList();
        if (given.Count > 0)
        {
            throw new CommandException(
                $"{string.Join(", ", given)} {(given.Count == 1 ? "configures" : "configure")} the {OnlineDspBenchmark.PolicyName} policy; add {OnlineDspBenchmark.PolicyName} to --policies.");
        }
    }

    /// <summary>The sweep the options ask for: every τ with every β, <paramref name="passes"/> passes each.</summary>
    /// <param name="parse">The parsed command line.</param>
    /// <param name="passes">Passes over the trace set.</param>
    /// <param name="position">Where the dsp rows go among the other policies' rows.</param>
    public DspSweep Sweep(ParseResult parse, int passes, int position)
    {
        var minDepth = parse.GetValue(_minDepth);
        var maxDepth = parse.GetValue(_maxDepth);
        if (maxDepth < minDepth)
        {
            throw new CommandException($"--max-depth ({maxDepth}) must be at least --min-depth ({minDepth}).");
        }

        var settings = parse.GetValue(_taus)!.SelectMany(tau => parse.GetValue(_offsets)!.Select(offset => new DspSetting(tau, offset)));
        return new DspSweep([.. settings], new OnlineLearningOptions
        {
            Passes = passes,
            RetrainEvery = parse.GetValue(_retrainEvery),
            Selection = new DepthSelection { MinDepth = minDepth, MaxDepth = maxDepth, ColdStartDepth = parse.GetValue(_coldStartDepth) },
            Trainer = new TrainerOptions { Seed = parse.GetValue(_seed) },
            InitialSnapshot = parse.GetValue(_policySnapshot) is { } file ? SnapshotFile.Read(file, new HashedTextFeaturizer()) : null,
        }, position);
    }

    /// <summary>Writes the first setting's snapshot and transitions, where asked.</summary>
    public void Save(IAnsiConsole console, ParseResult parse, DspSweepResult result)
    {
        var first = result.Streams[0];
        if (parse.GetValue(_saveSnapshot) is { } file)
        {
            var snapshot = first.FinalSnapshot
                ?? throw new CommandException("--save-snapshot: the first dsp setting was never trained, so there is no snapshot to save.");
            OutputFile.Write(console, file, path => File.WriteAllBytes(path, snapshot.Serialize()));
        }

        OutputFile.Write(console, parse.GetValue(_saveTransitions), path => TransitionFile.Write(path, first.Transitions));
    }

    private static float[] ParseTaus(ArgumentResult result)
    {
        var taus = new List<float>();
        foreach (var item in OptionParsers.Items(result))
        {
            if (float.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out var tau) && tau is > 0f and < 1f)
            {
                taus.Add(tau);
            }
            else
            {
                result.AddError($"--tau values must lie strictly between 0 and 1, not '{item}'.");
            }
        }

        return Distinct(result, taus);
    }

    private static int[] ParseOffsets(ArgumentResult result)
    {
        var offsets = new List<int>();
        foreach (var item in OptionParsers.Items(result))
        {
            if (int.TryParse(item, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var offset))
            {
                offsets.Add(offset);
            }
            else
            {
                result.AddError($"--offset values must be whole numbers, not '{item}'.");
            }
        }

        return Distinct(result, offsets);
    }

    private static T[] Distinct<T>(ArgumentResult result, IEnumerable<T> values)
    {
        T[] distinct = [.. values.Distinct()];
        if (!OptionParsers.Items(result).Any())
        {
            result.AddError($"{OptionParsers.OptionName(result)} names no value.");
        }

        return distinct;
    }
}
