using Dsp.Core.Acceptance;
using Dsp.Core.Policy;

namespace Dsp.Cli.Commands;

/// <summary>Reads and writes acceptance model files for the commands.</summary>
internal static class ModelFile
{
    /// <summary>The model in <paramref name="file"/>; one that cannot be read or is not a valid model becomes a
    /// <see cref="CommandException"/> naming the file.</summary>
    public static AcceptanceModel Read(FileInfo file)
    {
        try
        {
            return AcceptanceModelSerializer.Deserialize(File.ReadAllBytes(file.FullName));
        }
        catch (Exception e) when (e is PolicySnapshotFormatException or IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"{file.FullName}: {e.Message}", e);
        }
    }
}
