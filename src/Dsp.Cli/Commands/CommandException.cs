namespace Dsp.Cli.Commands;

/// <summary>A failure the user can fix (a bad option, file or trace): reported as its message alone, exit code 1.</summary>
internal sealed class CommandException(string message, Exception? inner = null) : Exception(message, inner);
