using System.CommandLine;
using Dsp.Cli.Commands;

namespace Dsp.Cli;

/// <summary>
/// The <c>dsp</c> command line. Its commands write to the invocation's output and error writers (standard output
/// and error unless an <see cref="InvocationConfiguration"/> says otherwise).
/// </summary>
public static class DspCommandLine
{
    /// <summary>The root command with every <c>dsp</c> subcommand.</summary>
    public static RootCommand Create() =>
        new("Dynamic speculative planning: replay recorded agent traces under speculation depth policies, and train the learned one.")
        {
            new BenchCommand(),
            new TrainCommand(),
            new PriorCommand(),
            new PlanCommand(),
            new WorkerCommand(),
            new OverheadCommand(),
        };
}
