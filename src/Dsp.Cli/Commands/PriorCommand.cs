using System.CommandLine;
using System.Globalization;
using Dsp.Core.Acceptance;
using Dsp.Core.Costs;
using Dsp.Core.Simulation;
using Dsp.Core.Traces;
using Dsp.Functions.Planning;
using Spectre.Console;

namespace Dsp.Cli.Commands;

/// <summary>
/// <c>dsp prior</c>: trains the adaptive policy's prior — an acceptance model — on recorded traces and writes it.
/// With the defaults it rebuilds, byte for byte, the prior the app ships (<c>data/policy/prior.dspa</c>).
/// </summary>
internal sealed class PriorCommand : Command
{
    /// <summary>Where the shipped prior lives, from the repository's root.</summary>
    public const string ShippedPrior = "data/policy/prior.dspa";

    private readonly Option<FileInfo[]> _traces = new Option<FileInfo[]>("--traces")
    {
        Description = "dsp-trace/1 files to train on [default: the bundled traces]",
        HelpName = "FILE",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = true,
    }.AcceptExistingOnly();

    private readonly Option<FileInfo> _out = new("--out")
    {
        Description = $"Write the prior here (the app ships {ShippedPrior})",
        HelpName = "MODEL",
        Required = true,
    };

    private readonly Option<string?> _excludeTask = new("--exclude-task")
    {
        Description = "Leave out the traces of this task, to judge a plan of it on data that has not seen it",
        HelpName = "TEXT",
    };

    public PriorCommand()
        : base("prior", "Train the adaptive policy's prior (an acceptance model) on recorded traces.")
    {
        Options.Add(_traces);
        Options.Add(_out);
        Options.Add(_excludeTask);
        SetAction(parse => CommandActions.Run(parse, Train));
    }

    private void Train(ParseResult parse)
    {
        var console = CliConsole.Create(parse.InvocationConfiguration.Output);
        var sources = parse.GetValue(_traces) is { Length: > 0 } files ? files.Select(f => f.FullName).ToList() : [ReplayAgentOptions.BundledTraces];
        var traces = InputFiles.Read(sources, TraceReader.ReadFiles, "traces");
        AcceptanceModel model;
        try
        {
            model = AcceptancePrior.Train(traces, new SimulationOptions { Prices = PriceTable.BuiltIn }, parse.GetValue(_excludeTask));
        }
        catch (ArgumentException e)
        {
            throw new CommandException(e.Message, e);
        }

        var bytes = AcceptanceModelSerializer.Serialize(model);
        OutputFile.Write(console, parse.GetValue(_out), path => File.WriteAllBytes(path, bytes));
        var fit = model.Fit;
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Prior: {model.TrainedOnExamples:N0} judged drafts of {model.TrainedOnRuns:N0} runs, {bytes.Length / 1024.0:N1} KiB; on its training data, each draft predicted from the runs before it: log-loss {fit.LogLoss:0.000}, Brier {fit.Brier:0.000}, ECE {fit.ExpectedCalibrationError:0.000}."));
    }
}
