using System.Security.Cryptography;
using System.Text;
using Dsp.Core.Policy;

namespace Dsp.Core.Acceptance;

/// <summary>
/// The acceptance model's binary form: magic, format version, payload, SHA-256 of everything before it. The memory's
/// entries are written in key order, so the same model always gives the same bytes. Anything truncated, corrupt, of
/// another format version or of other features is refused with <see cref="PolicySnapshotFormatException"/>.
/// </summary>
public static class AcceptanceModelSerializer
{
    /// <summary>The binary format this build writes and reads.</summary>
    public const int FormatVersion = 1;

    private const int ChecksumLength = SHA256.HashSizeInBytes;

    private static ReadOnlySpan<byte> Magic => "DSPA"u8;

    public static byte[] Serialize(AcceptanceModel model)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(AcceptanceModel.FeatureSignature);
            writer.Write(model.Prior);
            writer.Write(model.TrainedOnRuns);
            writer.Write(model.TrainedOnExamples);
            WriteCalibration(writer, model.Fit);
            WriteRole(writer, model.Statistics.Draft);
            WriteRole(writer, model.Statistics.Target);
            WriteRegimes(writer, model.AfterDraft);
            WriteRegimes(writer, model.BeforeDraft);
            var entries = model.Counts.Entries.OrderBy(e => e.Key).ToList();
            writer.Write(entries.Count);
            foreach (var (key, tally) in entries)
            {
                writer.Write(key);
                writer.Write(tally.Accepted);
                writer.Write(tally.Seen);
            }
        }

        var payloadLength = (int)stream.Length;
        stream.Write(SHA256.HashData(stream.GetBuffer().AsSpan(0, payloadLength)));
        return stream.ToArray();
    }

    /// <exception cref="PolicySnapshotFormatException">The bytes are not a model this build reads; the message says why.</exception>
    public static AcceptanceModel Deserialize(ReadOnlySpan<byte> data)
    {
        if (data.Length < Magic.Length + sizeof(int) + ChecksumLength)
        {
            throw new PolicySnapshotFormatException($"The acceptance model is truncated ({data.Length} bytes).");
        }

        if (!data.StartsWith(Magic))
        {
            throw new PolicySnapshotFormatException("This is not a DSP acceptance model (wrong magic bytes).");
        }

        var format = BitConverter.ToInt32(data.Slice(Magic.Length, sizeof(int)));
        if (format != FormatVersion)
        {
            throw new PolicySnapshotFormatException($"Acceptance model format version {format} is not supported (this build reads version {FormatVersion}).");
        }

        var payload = data[..^ChecksumLength];
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(data[^ChecksumLength..]))
        {
            throw new PolicySnapshotFormatException("The acceptance model's checksum does not match: it is truncated or corrupt.");
        }

        try
        {
            using var reader = new BinaryReader(new MemoryStream(payload[(Magic.Length + sizeof(int))..].ToArray()), Encoding.UTF8);
            var signature = reader.ReadString();
            if (signature != AcceptanceModel.FeatureSignature)
            {
                throw new PolicySnapshotFormatException(
                    $"The acceptance model reads features '{signature}', not '{AcceptanceModel.FeatureSignature}'.");
            }

            var prior = reader.ReadSingle();
            var runs = reader.ReadInt32();
            var examples = reader.ReadInt32();
            var fit = ReadCalibration(reader);
            var statistics = new CallStatistics(ReadRole(reader), ReadRole(reader));
            var after = ReadRegimes(reader, AcceptanceFeatures.AfterDraftRegimes, AcceptanceFeatures.AfterDraft);
            var before = ReadRegimes(reader, AcceptanceFeatures.BeforeDraftRegimes, AcceptanceFeatures.BeforeDraft);
            var count = reader.ReadInt32();
            if (count < 0 || (long)count * 16 > reader.BaseStream.Length - reader.BaseStream.Position)
            {
                throw new EndOfStreamException($"{count} memory entries do not fit in what is left of the model.");
            }

            var counts = new CountTable(count);
            for (var i = 0; i < count; i++)
            {
                counts.Set(reader.ReadUInt64(), new Tally(reader.ReadSingle(), reader.ReadSingle()));
            }

            if (reader.BaseStream.Position != reader.BaseStream.Length)
            {
                throw new PolicySnapshotFormatException("The acceptance model has unexpected bytes after its memory.");
            }

            return new AcceptanceModel(counts, prior, after, before, statistics, runs, examples, fit);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or OverflowException or IOException)
        {
            throw new PolicySnapshotFormatException($"The acceptance model's contents are inconsistent: {e.Message}", e);
        }
    }

    private static void WriteCalibration(BinaryWriter writer, Calibration calibration)
    {
        writer.Write(calibration.Predictions);
        writer.Write(calibration.LogLoss);
        writer.Write(calibration.Brier);
        writer.Write(calibration.ExpectedCalibrationError);
        writer.Write(calibration.Bins.Count);
        foreach (var bin in calibration.Bins)
        {
            writer.Write(bin.From);
            writer.Write(bin.To);
            writer.Write(bin.Count);
            writer.Write(bin.MeanPredicted);
            writer.Write(bin.Observed);
        }
    }

    private static Calibration ReadCalibration(BinaryReader reader)
    {
        var (predictions, logLoss, brier, ece) = (reader.ReadInt32(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble());
        var count = reader.ReadInt32();
        if (count != CalibrationBuilder.BinCount)
        {
            throw new ArgumentException($"The calibration has {count} bins, not {CalibrationBuilder.BinCount}.");
        }

        var bins = new ReliabilityBin[count];
        for (var i = 0; i < count; i++)
        {
            bins[i] = new ReliabilityBin(reader.ReadDouble(), reader.ReadDouble(), reader.ReadInt32(), reader.ReadDouble(), reader.ReadDouble());
        }

        return new Calibration(predictions, logLoss, brier, ece, bins);
    }

    private static void WriteRole(BinaryWriter writer, RoleStatistics role)
    {
        writer.Write(role.PromptTokens);
        writer.Write(role.PromptTokensPerPosition);
        writer.Write(role.CompletionTokens);
        writer.Write(role.LatencySeconds);
    }

    private static RoleStatistics ReadRole(BinaryReader reader) =>
        new(reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble());

    private static void WriteRegimes(BinaryWriter writer, RegimeModel model)
    {
        writer.Write(model.Regimes.Count);
        foreach (var regime in model.Regimes)
        {
            writer.Write(regime.Weights.Length);
            foreach (var weight in regime.Weights)
            {
                writer.Write(weight);
            }
        }
    }

    private static RegimeModel ReadRegimes(BinaryReader reader, int regimes, int width)
    {
        if (reader.ReadInt32() is var count && count != regimes)
        {
            throw new ArgumentException($"The model has {count} regimes, not {regimes}.");
        }

        var models = new LogisticRegression[regimes];
        for (var r = 0; r < regimes; r++)
        {
            if (reader.ReadInt32() is var length && length != width)
            {
                throw new ArgumentException($"A regime has {length} weights, not {width}.");
            }

            var weights = new double[width];
            for (var i = 0; i < width; i++)
            {
                weights[i] = reader.ReadDouble();
            }

            models[r] = new LogisticRegression(weights);
        }

        return new RegimeModel(models);
    }
}
