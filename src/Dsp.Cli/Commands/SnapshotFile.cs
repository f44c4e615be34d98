using Dsp.Core.Policy;

namespace Dsp.Cli.Commands;

/// <summary>Reads a policy snapshot file for a command.</summary>
internal static class SnapshotFile
{
    /// <summary>
    /// The snapshot in <paramref name="file"/>; a file that cannot be read, is not a valid snapshot or was trained on
    /// other features than <paramref name="featurizer"/>'s becomes a <see cref="CommandException"/> naming the file.
    /// </summary>
    public static PolicySnapshot Read(FileInfo file, IStateFeaturizer featurizer)
    {
        PolicySnapshot snapshot;
        try
        {
            snapshot = PolicySnapshot.Deserialize(File.ReadAllBytes(file.FullName));
        }
        catch (Exception e) when (e is PolicySnapshotFormatException or IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"{file.FullName}: {e.Message}", e);
        }

        return snapshot.FeaturizerSignature == featurizer.Signature
            ? snapshot
            : throw new CommandException(
                $"{file.FullName}: the snapshot was trained on features '{snapshot.FeaturizerSignature}', not '{featurizer.Signature}'.");
    }
}
