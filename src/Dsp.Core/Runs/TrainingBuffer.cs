using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Dsp.Core.Policy;

namespace Dsp.Core.Runs;

/// <summary>
/// The runs a policy version was trained on, kept beside its snapshot so that the next retraining reads only what
/// was recorded since (plus this), whatever the age of the store: JSON, gzip-compressed, behind a magic and a format
/// version. Anything truncated, corrupt or of another format is refused with <see cref="PolicySnapshotFormatException"/>
/// — the retrainer then reads the training window from the store instead.
/// </summary>
public static class TrainingBuffer
{
    public const int FormatVersion = 1;

    private static ReadOnlySpan<byte> Magic => "DSPB"u8;

    public static byte[] Serialize(IReadOnlyList<RunTrainingData> runs)
    {
        using var stream = new MemoryStream();
        stream.Write(Magic);
        stream.Write(BitConverter.GetBytes(FormatVersion));
        using (var gzip = new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true))
        {
            JsonSerializer.Serialize(gzip, runs);
        }

        return stream.ToArray();
    }

    public static IReadOnlyList<RunTrainingData> Deserialize(ReadOnlySpan<byte> data)
    {
        if (data.Length < Magic.Length + sizeof(int) || !data.StartsWith(Magic))
        {
            throw new PolicySnapshotFormatException("This is not a DSP training buffer (wrong magic bytes, or truncated).");
        }

        var format = BitConverter.ToInt32(data.Slice(Magic.Length, sizeof(int)));
        if (format != FormatVersion)
        {
            throw new PolicySnapshotFormatException($"Training buffer format version {format} is not supported (this build reads version {FormatVersion}).");
        }

        try
        {
            using var gzip = new GZipStream(new MemoryStream(data[(Magic.Length + sizeof(int))..].ToArray()), CompressionMode.Decompress);
            var runs = JsonSerializer.Deserialize<List<RunTrainingData>>(gzip)
                ?? throw new PolicySnapshotFormatException("The training buffer holds no list of runs.");
            foreach (var run in runs)
            {
                run.Examples.Validated();
            }

            return runs;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or ArgumentException or NotSupportedException or DecoderFallbackException)
        {
            throw new PolicySnapshotFormatException($"The training buffer's contents are inconsistent: {e.Message}", e);
        }
    }
}
