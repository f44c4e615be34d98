using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Dsp.Core.Policy;
using Spectre.Console;

namespace Dsp.Cli.Commands;

/// <summary>
/// <c>dsp train</c>: trains a policy snapshot on saved transitions, from scratch or warm-started from a snapshot,
/// writes it, and shows what it holds.
/// </summary>
internal sealed class TrainCommand : Command
{
    private readonly Option<FileInfo[]> _transitions = new Option<FileInfo[]>("--transitions")
    {
        Description = "Transitions to train on, as JSON Lines (dsp bench --save-transitions writes them)",
        HelpName = "FILE",
        Required = true,
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = true,
    }.AcceptExistingOnly();

    private readonly Option<FileInfo> _out = new("--out")
    {
        Description = "Write the trained policy snapshot here",
        HelpName = "SNAPSHOT",
        Required = true,
    };

    private readonly Option<FileInfo> _from = new Option<FileInfo>("--from")
    {
        Description = "Warm-start from this policy snapshot [default: fresh weights]",
        HelpName = "SNAPSHOT",
    }.AcceptExistingOnly();

    private readonly Option<int> _seed = new("--seed")
    {
        Description = "Seeds fresh weights and the shuffling: the same inputs and seed give the same snapshot",
        HelpName = "S",
        DefaultValueFactory = _ => new TrainerOptions().Seed,
    };

    private readonly Option<int> _epochs = new("--epochs")
    {
        Description = "Passes over the transitions (at least; small sets get more, to reach a minimum of updates)",
        HelpName = "N",
        DefaultValueFactory = _ => new TrainerOptions().Epochs,
        CustomParser = OptionParsers.WholeNumber(1),
    };

    public TrainCommand()
        : base("train", "Train a dsp policy snapshot on saved transitions.")
    {
        Options.Add(_transitions);
        Options.Add(_out);
        Options.Add(_from);
        Options.Add(_seed);
        Options.Add(_epochs);
        SetAction(parse => CommandActions.Run(parse, Train));
    }

    private void Train(ParseResult parse)
    {
        var console = CliConsole.Create(parse.InvocationConfiguration.Output);
        var featurizer = new HashedTextFeaturizer();
        var paths = parse.GetValue(_transitions)!.Select(f => f.FullName).ToList();
        var transitions = InputFiles.Read(paths, TransitionFile.Read, "transitions");
        var from = parse.GetValue(_from) is { } file ? SnapshotFile.Read(file, featurizer) : null;
        var trainer = new PolicyTrainer(new TrainerOptions { Seed = parse.GetValue(_seed), Epochs = parse.GetValue(_epochs) }, featurizer);

        var clock = Stopwatch.StartNew();
        var snapshot = trainer.Train(from, transitions);
        clock.Stop();
        var bytes = snapshot.Serialize();

        console.Write(Summary(snapshot, from is not null && trainer.CanWarmStart(from) ? from : null, bytes.Length, clock.Elapsed));
        OutputFile.Write(console, parse.GetValue(_out), path => File.WriteAllBytes(path, bytes));
    }

    /// <summary>What the snapshot holds, one property a row.</summary>
    private static Table Summary(PolicySnapshot snapshot, PolicySnapshot? from, int bytes, TimeSpan time)
    {
        var model = snapshot.Model;
        var table = new Table().HideHeaders().AddColumn("Property").AddColumn("Value");
        foreach (var (name, value) in new[]
        {
            ("Version", Invariant($"{snapshot.Version}")),
            ("Warm start", from is null ? "none (fresh weights)" : Invariant($"version {from.Version}")),
            ("Transitions trained on", Invariant($"{snapshot.TrainedOnTransitions:N0}")),
            ("Final training loss", Invariant($"{snapshot.TrainingLoss:0.0000} (mean expectile loss per head, last epoch)")),
            ("Featurizer", snapshot.FeaturizerSignature),
            ("τ grid", string.Join(", ", model.Taus.Select(t => t.ToString(CultureInfo.InvariantCulture)))),
            ("Hidden units", Invariant($"{model.Hidden:N0}")),
            ("Inputs", Invariant($"{model.Inputs:N0}")),
            ("Snapshot size", Invariant($"{bytes:N0} bytes")),
            ("Training time", Invariant($"{time.TotalSeconds:0.00} s")),
        })
        {
            table.AddRow(Markup.Escape(name), Markup.Escape(value));
        }

        return table;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
