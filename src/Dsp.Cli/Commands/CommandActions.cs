using System.CommandLine;

namespace Dsp.Cli.Commands;

/// <summary>Runs a command's work so that a <see cref="CommandException"/> becomes its message on standard error
/// and exit code 1, with no stack trace.</summary>
internal static class CommandActions
{
    public static int Run(ParseResult parse, Action<ParseResult> work)
    {
        try
        {
            work(parse);
            return 0;
        }
        catch (CommandException e)
        {
            parse.InvocationConfiguration.Error.WriteLine(e.Message);
            return 1;
        }
    }

    public static async Task<int> RunAsync(ParseResult parse, Func<ParseResult, CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        try
        {
            await work(parse, cancellationToken);
            return 0;
        }
        catch (CommandException e)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync(e.Message);
            return 1;
        }
    }
}
