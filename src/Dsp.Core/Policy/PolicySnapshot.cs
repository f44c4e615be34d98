using System.Runtime.InteropServices;
using Dsp.Core.Acceptance;
using System.Security.Cryptography;
using System.Text;

namespace Dsp.Core.Policy;

/// <summary>
/// An immutable, versioned trained policy: the value model of the <c>dsp</c> policy, the acceptance model of the
/// <c>adaptive</c> policy, and what they were trained on. Serializes to a compact binary form — magic, format
/// version, payload, SHA-256 of everything before it — and refuses to load anything that is truncated, corrupt or of
/// a format version it does not read.
/// </summary>
public sealed class PolicySnapshot
{
    /// <summary>The binary format this build writes.</summary>
    public const int FormatVersion = 2;

    /// <summary>The first format (a value model only), which this build still reads.</summary>
    private const int ValueModelOnlyFormat = 1;

    private static ReadOnlySpan<byte> Magic => "DSPP"u8;

    private const int ChecksumLength = SHA256.HashSizeInBytes;

    public PolicySnapshot(
        long version, int trainedOnTransitions, float trainingLoss, string featurizerSignature, ExpectileValueModel model, AcceptanceModel? acceptance = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        Version = version;
        TrainedOnTransitions = trainedOnTransitions;
        TrainingLoss = trainingLoss;
        FeaturizerSignature = featurizerSignature;
        Model = model;
        Acceptance = acceptance;
    }

    /// <summary>1 for the first training, then one more at every retraining.</summary>
    public long Version { get; }

    /// <summary>How many transitions the last training used.</summary>
    public int TrainedOnTransitions { get; }

    /// <summary>The mean expectile loss over the heads in the last epoch.</summary>
    public float TrainingLoss { get; }

    /// <summary>The <see cref="IStateFeaturizer.Signature"/> of the features the model reads.</summary>
    public string FeaturizerSignature { get; }

    /// <summary>The value model. Treat it as read-only: training works on a clone.</summary>
    public ExpectileValueModel Model { get; }

    /// <summary>The acceptance model trained at the same time (null in snapshots of the first format, or when no
    /// judged draft was recorded yet).</summary>
    public AcceptanceModel? Acceptance { get; }

    /// <summary>This snapshot with <paramref name="acceptance"/> as its acceptance model.</summary>
    public PolicySnapshot WithAcceptance(AcceptanceModel? acceptance) =>
        new(Version, TrainedOnTransitions, TrainingLoss, FeaturizerSignature, Model, acceptance);

    public byte[] Serialize()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(Version);
            writer.Write(TrainedOnTransitions);
            writer.Write(TrainingLoss);
            writer.Write(FeaturizerSignature);
            writer.Write(Model.Inputs);
            writer.Write(Model.Hidden);
            writer.Write(Model.Heads);
            WriteFloats(writer, [.. Model.Taus]);
            WriteFloats(writer, Model.InputWeights);
            WriteFloats(writer, Model.HiddenBias);
            WriteFloats(writer, Model.HeadWeights);
            WriteFloats(writer, Model.HeadBias);
            var acceptance = Acceptance is null ? [] : AcceptanceModelSerializer.Serialize(Acceptance);
            writer.Write(acceptance.Length);
            writer.Write(acceptance);
        }

        var payloadLength = (int)stream.Length;
        stream.Write(SHA256.HashData(stream.GetBuffer().AsSpan(0, payloadLength)));
        return stream.ToArray();
    }

    /// <summary>Reads a snapshot; throws <see cref="PolicySnapshotFormatException"/> saying what is wrong.</summary>
    public static PolicySnapshot Deserialize(ReadOnlySpan<byte> data)
    {
        if (data.Length < Magic.Length + sizeof(int) + ChecksumLength)
        {
            throw new PolicySnapshotFormatException($"The snapshot is truncated ({data.Length} bytes).");
        }

        if (!data.StartsWith(Magic))
        {
            throw new PolicySnapshotFormatException("This is not a DSP policy snapshot (wrong magic bytes).");
        }

        var format = BitConverter.ToInt32(data.Slice(Magic.Length, sizeof(int)));
        if (format is not (FormatVersion or ValueModelOnlyFormat))
        {
            throw new PolicySnapshotFormatException(
                $"Snapshot format version {format} is not supported (this build reads versions {ValueModelOnlyFormat} and {FormatVersion}).");
        }

        var payload = data[..^ChecksumLength];
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(data[^ChecksumLength..]))
        {
            throw new PolicySnapshotFormatException("The snapshot's checksum does not match: it is truncated or corrupt.");
        }

        try
        {
            using var reader = new BinaryReader(new MemoryStream(payload[(Magic.Length + sizeof(int))..].ToArray()), Encoding.UTF8);
            var version = reader.ReadInt64();
            var trainedOn = reader.ReadInt32();
            var loss = reader.ReadSingle();
            var signature = reader.ReadString();
            var inputs = reader.ReadInt32();
            var hidden = reader.ReadInt32();
            var heads = reader.ReadInt32();
            var taus = ReadFloats(reader, heads);
            var model = ExpectileValueModel.FromParameters(inputs, hidden, taus,
                ReadFloats(reader, checked(inputs * hidden)), ReadFloats(reader, hidden), ReadFloats(reader, checked(heads * hidden)), ReadFloats(reader, heads));
            AcceptanceModel? acceptance = null;
            if (format == FormatVersion && reader.ReadInt32() is var length and > 0)
            {
                acceptance = AcceptanceModelSerializer.Deserialize(reader.ReadBytes(length));
            }

            if (reader.BaseStream.Position != reader.BaseStream.Length)
            {
                throw new PolicySnapshotFormatException("The snapshot has unexpected bytes after its models.");
            }

            return new PolicySnapshot(version, trainedOn, loss, signature, model, acceptance);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or OverflowException or IOException)
        {
            throw new PolicySnapshotFormatException($"The snapshot's contents are inconsistent: {e.Message}", e);
        }
    }

    private static void WriteFloats(BinaryWriter writer, float[] values) => writer.Write(MemoryMarshal.AsBytes(values.AsSpan()));

    private static float[] ReadFloats(BinaryReader reader, int count)
    {
        if (count < 0 || (long)count * sizeof(float) > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new EndOfStreamException($"{count} parameters do not fit in what is left of the snapshot.");
        }

        var values = new float[count];
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }
}

/// <summary>A policy snapshot that cannot be loaded.</summary>
public sealed class PolicySnapshotFormatException(string message, Exception? inner = null) : FormatException(message, inner);
