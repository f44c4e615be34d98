using Spectre.Console;

namespace Dsp.Cli;

/// <summary>Spectre consoles over a command's output writer: rich on a terminal, plain text otherwise.</summary>
internal static class CliConsole
{
    /// <summary>Wide enough that tables written to a file or pipe are never wrapped.</summary>
    private const int RedirectedWidth = 240;

    /// <summary>
    /// A console writing to <paramref name="writer"/>: colours and live displays only when it is an interactive
    /// terminal, plain unwrapped text when it is redirected or any other writer.
    /// </summary>
    public static IAnsiConsole Create(TextWriter writer)
    {
        var output = new AnsiConsoleOutput(writer);
        var terminal = output.IsTerminal;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = output,
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }
}
