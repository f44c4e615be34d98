using Spectre.Console;

namespace Dsp.Cli.Commands;

/// <summary>Writes a file a command was asked for, and says so.</summary>
internal static class OutputFile
{
    /// <summary>
    /// Calls <paramref name="write"/> with <paramref name="file"/>'s full path (nothing when it is null) and prints
    /// <c>Wrote PATH</c>; a failure to write becomes a <see cref="CommandException"/>.
    /// </summary>
    public static void Write(IAnsiConsole console, FileInfo? file, Action<string> write)
    {
        if (file is null)
        {
            return;
        }

        try
        {
            write(file.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"Cannot write {file.FullName}: {e.Message}", e);
        }

        console.WriteLine($"Wrote {file.FullName}");
    }
}
