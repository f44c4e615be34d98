namespace Dsp.Cli.Commands;

/// <summary>Reads the files a command was given; a bad line or an unreadable file becomes a <see cref="CommandException"/>.</summary>
internal static class InputFiles
{
    /// <param name="paths">The files.</param>
    /// <param name="read">Reads them (throwing a <see cref="FormatException"/> that names the file and line).</param>
    /// <param name="what">What the files hold, for the error when they hold nothing (e.g. "traces").</param>
    public static IReadOnlyList<T> Read<T>(IReadOnlyList<string> paths, Func<IReadOnlyList<string>, IReadOnlyList<T>> read, string what)
    {
        IReadOnlyList<T> items;
        try
        {
            items = read(paths);
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            throw new CommandException(e.Message, e);
        }

        return items.Count > 0 ? items : throw new CommandException($"No {what} in {string.Join(", ", paths)}.");
    }
}
