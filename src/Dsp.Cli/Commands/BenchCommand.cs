using System.CommandLine;
using System.CommandLine.Parsing;
using Dsp.Cli.Benchmarking;
using Dsp.Cli.Reports;
using Dsp.Core.Acceptance;
using Dsp.Core.Costs;
using Dsp.Core.Judges;
using Dsp.Core.Policy;
using Dsp.Core.Simulation;
using Dsp.Core.Traces;
using Spectre.Console;

namespace Dsp.Cli.Commands;

/// <summary>
/// <c>dsp bench</c>: replays recorded traces under depth policies — and streams them through the dsp policy as it
/// learns online — and compares latency and cost with the target alone, as a table and, on request, as JSON, CSV
/// and a latency-versus-cost plot.
/// </summary>
internal sealed class BenchCommand : Command
{
    private const string ProducedBilling = "produced";
    private const string FullBilling = "full";

    private readonly Option<FileInfo[]> _traces = new Option<FileInfo[]>("--traces")
    {
        Description = "dsp-trace/1 files to replay [default: the bundled openagi-gpt4turbo.jsonl]",
        HelpName = "FILE",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = true,
    }.AcceptExistingOnly();

    private readonly Option<string[]> _policies = new("--policies")
    {
        Description = "Comma-separated policies: sequential, fixed-N, oracle, recorded, dsp and adaptive (both learned online)",
        HelpName = "NAME,...",
        Arity = ArgumentArity.OneOrMore,
        DefaultValueFactory = _ => [.. SimulationPolicies.Defaults],
        CustomParser = ParsePolicyNames,
    };

    private readonly Option<KeyValuePair<string, ModelPrice>[]> _prices = new("--price")
    {
        Description = "A model's price in $ per 1M prompt/completion tokens, e.g. gpt-4-turbo=10/30 (repeatable)",
        HelpName = "MODEL=IN/OUT",
        Arity = ArgumentArity.OneOrMore,
        DefaultValueFactory = _ => [],
        CustomParser = ParsePrices,
    };

    private readonly Option<FileInfo?> _json = new("--json") { Description = "Write the results as JSON", HelpName = "OUT.json" };

    private readonly Option<FileInfo?> _csv = new("--csv") { Description = "Write the results as CSV", HelpName = "OUT.csv" };

    private readonly Option<FileInfo?> _plot = new("--plot")
    {
        Description = "Plot latency against cost, as SVG or PNG by the file's extension",
        HelpName = "OUT.svg|OUT.png",
        CustomParser = ParsePlotFile,
    };

    private readonly Option<string> _billing = new Option<string>("--billing")
    {
        Description = "What a cancelled call is billed: the completion tokens produced so far, or the full completion",
        DefaultValueFactory = _ => ProducedBilling,
    }.AcceptOnlyFromAmong(ProducedBilling, FullBilling);

    private readonly Option<bool> _draftPastTerminate = new("--draft-past-terminate")
    {
        Description = "Let chains go on past a drafted TERMINATE, as the first timing contract did (for comparing with earlier figures)",
    };

    private readonly Option<string?> _judge = new Option<string?>("--judge")
    {
        Description = "Judge every trace with this judge [default: the judge each trace names]",
    }.AcceptOnlyFromAmong([.. StepJudges.Names]);

    private readonly Option<int> _passes = new("--passes", "--repeat")
    {
        Description = "Passes over the trace set, for every policy (dsp keeps learning across them)",
        HelpName = "N",
        DefaultValueFactory = _ => 1,
        CustomParser = OptionParsers.WholeNumber(1),
    };

    private readonly DspBenchOptions _dsp = new();

    private readonly AdaptiveBenchOptions _adaptive = new();

    public BenchCommand()
        : base("bench", "Replay recorded traces under depth policies (dsp learning online as it goes); compare latency and cost with the target alone.")
    {
        Options.Add(_traces);
        Options.Add(_policies);
        Options.Add(_prices);
        Options.Add(_json);
        Options.Add(_csv);
        Options.Add(_plot);
        Options.Add(_billing);
        Options.Add(_draftPastTerminate);
        Options.Add(_judge);
        Options.Add(_passes);
        foreach (var option in _dsp.All.Concat(_adaptive.All))
        {
            Options.Add(option);
        }

        SetAction(parse => CommandActions.Run(parse, Bench));
    }

    /// <summary>The traces replayed when none are given, copied next to the program at build.</summary>
    private static string BundledTraces => Path.Combine(AppContext.BaseDirectory, "traces", "openagi-gpt4turbo.jsonl");

    private void Bench(ParseResult parse)
    {
        var console = CliConsole.Create(parse.InvocationConfiguration.Output);
        var sources = parse.GetValue(_traces) is { Length: > 0 } files ? files.Select(f => f.FullName).ToList() : [BundledTraces];
        var traces = InputFiles.Read(sources, TraceReader.ReadFiles, "traces");
        var simulator = new TraceSimulator(new SimulationOptions
        {
            Prices = PriceTable.BuiltIn.With(parse.GetValue(_prices)!),
            CancelledCallBilling = parse.GetValue(_billing) == FullBilling
                ? CancelledCallBilling.FullCompletion
                : CancelledCallBilling.ProducedTokens,
            Judge = parse.GetValue(_judge) is { } judge ? StepJudges.Create(judge) : null,
            DraftPastTerminate = parse.GetValue(_draftPastTerminate),
        });
        var names = parse.GetValue(_policies)!;
        var policies = Policies(names.Where(name => !PolicyNames.All.Contains(name)), simulator);
        CheckPrices(traces, simulator.Options.Prices);
        CheckRecorded(traces, policies);
        var passes = parse.GetValue(_passes);
        var dspPosition = Array.IndexOf(names, OnlineDspBenchmark.PolicyName);
        var adaptivePosition = Array.IndexOf(names, OnlineAdaptiveBenchmark.PolicyName);
        _dsp.RefuseWithout(parse, dsp: dspPosition >= 0, adaptive: adaptivePosition >= 0);
        var dsp = dspPosition < 0 ? null : _dsp.Sweep(parse, passes, dspPosition);
        AdaptiveSweep? adaptive = null;
        if (adaptivePosition < 0)
        {
            _adaptive.RefuseWithoutAdaptive(parse);
        }
        else
        {
            adaptive = _adaptive.Sweep(parse, passes, _dsp.RetrainEvery(parse), _dsp.ColdStartDepth(parse), adaptivePosition);
        }

        var result = Measure(console, sources, traces, policies, dsp, adaptive, simulator, passes);
        ResultsTable.Write(console, result);

        var report = BenchReport.From(result);
        OutputFile.Write(console, parse.GetValue(_json), path => JsonReport.Write(path, report));
        OutputFile.Write(console, parse.GetValue(_csv), path => CsvReport.Write(path, report));
        OutputFile.Write(console, parse.GetValue(_plot), path => TradeoffPlot.Save(path, result));
        if (result.Dsp is not null)
        {
            _dsp.Save(console, parse, result.Dsp);
        }
    }

    private static List<ISimulationPolicy> Policies(IEnumerable<string> names, TraceSimulator simulator)
    {
        try
        {
            return [.. names.Select(name => SimulationPolicies.Parse(name, simulator.JudgeFor))];
        }
        catch (ArgumentException e)
        {
            // The message names the known policies, but not the learning ones, which this command runs itself; drop the
            // " (Parameter 'name')" that ArgumentException appends.
            var parameter = $" (Parameter '{e.ParamName}')";
            var message = e.Message.EndsWith(parameter, StringComparison.Ordinal) ? e.Message[..^parameter.Length] : e.Message;
            throw new CommandException($"{message.TrimEnd('.')}, {string.Join(", ", PolicyNames.All.Reverse())}.", e);
        }
    }

    private static void CheckPrices(IEnumerable<AgentTrace> traces, PriceTable prices)
    {
        try
        {
            foreach (var model in traces.SelectMany(t => new[] { t.Models.Draft, t.Models.Target }).Distinct())
            {
                _ = prices[model];
            }
        }
        catch (KeyNotFoundException e)
        {
            throw new CommandException(e.Message, e);
        }
    }

    private static void CheckRecorded(IEnumerable<AgentTrace> traces, IEnumerable<ISimulationPolicy> policies)
    {
        if (policies.Any(p => p is RecordedPolicy) && traces.FirstOrDefault(t => t.Recorded is null) is { } trace)
        {
            throw new CommandException(
                $"Policy '{SimulationPolicies.Recorded}' replays the recorded depths, but trace '{trace.Id}' has no 'recorded' section.");
        }
    }

    /// <summary>Runs the benchmark, with a live progress display when the console is an interactive terminal.</summary>
    private static BenchResult Measure(
        IAnsiConsole console,
        IReadOnlyList<string> sources,
        IReadOnlyList<AgentTrace> traces,
        IReadOnlyList<ISimulationPolicy> policies,
        DspSweep? dsp,
        AdaptiveSweep? adaptive,
        TraceSimulator simulator,
        int passes)
    {
        try
        {
            return console.Profile.Capabilities.Interactive
                ? console.Progress().AutoClear(true).Start(context => BenchRunner.Run(
                    sources, traces, policies, dsp, adaptive, simulator, passes,
                    (name, tasks) => new TaskProgress(context.AddTask(name, maxValue: tasks))))
                : BenchRunner.Run(sources, traces, policies, dsp, adaptive, simulator, passes, (_, _) => null);
        }
        catch (InvalidOperationException e)
        {
            // A replay the traces cannot support, e.g. the recorded policy needing more rounds than were recorded.
            throw new CommandException(e.Message, e);
        }
    }

    private static KeyValuePair<string, ModelPrice>[] ParsePrices(ArgumentResult result)
    {
        var prices = new List<KeyValuePair<string, ModelPrice>>();
        foreach (var token in result.Tokens)
        {
            var parts = token.Value.Split('=');
            try
            {
                prices.Add(parts is [{ Length: > 0 } model, var price]
                    ? new(model, ModelPrice.Parse(price))
                    : throw new FormatException("write MODEL=IN/OUT, e.g. gpt-4-turbo=10/30."));
            }
            catch (FormatException e)
            {
                result.AddError($"--price '{token.Value}': {e.Message}");
            }
        }

        return [.. prices];
    }

    private static string[] ParsePolicyNames(ArgumentResult result)
    {
        string[] names = [.. OptionParsers.Items(result).Distinct(StringComparer.Ordinal)];
        if (names.Length == 0)
        {
            result.AddError("--policies names no policy.");
        }

        return names;
    }

    private static FileInfo? ParsePlotFile(ArgumentResult result)
    {
        var path = result.Tokens.Single().Value;
        if (!TradeoffPlot.Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase))
        {
            result.AddError($"--plot writes {string.Join(" or ", TradeoffPlot.Extensions)} files, not '{path}'.");
            return null;
        }

        return new FileInfo(path);
    }

    /// <summary>Shows a policy's tasks done on its progress bar.</summary>
    private sealed class TaskProgress(ProgressTask task) : IProgress<int>
    {
        public void Report(int value) => task.Value = value;
    }
}
