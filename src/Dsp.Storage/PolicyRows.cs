using System.Text.Json;
using Azure.Data.Tables;
using Dsp.Core.Acceptance;
using Dsp.Core.Runs;

namespace Dsp.Storage;

/// <summary>
/// Maps <see cref="PublishedPolicy"/> to the row <c>policy</c>/<c>current</c> of the <c>Policies</c> table. The
/// acceptance model's calibration is kept as <c>CalibrationPredictions</c>, <c>CalibrationLogLoss</c>,
/// <c>CalibrationBrier</c>, <c>CalibrationEce</c> and <c>CalibrationBins</c> (its reliability table as JSON); rows
/// written before there was an acceptance model have neither these nor <c>TrainedOnExamples</c>, and read as none.
/// </summary>
internal static class PolicyRows
{
    public const string Partition = "policy";
    public const string Current = "current";

    /// <summary>Failure reasons are cut to this many characters (a property holds 32K).</summary>
    public const int MaximumErrorLength = 8_000;

    public static TableEntity ToEntity(PublishedPolicy policy)
    {
        var entity = new TableEntity(Partition, Current)
        {
            ["Version"] = policy.Version,
            ["TrainedOnTransitions"] = policy.TrainedOnTransitions,
            ["TrainingLoss"] = (double)policy.TrainingLoss,
            ["TrainedOnExamples"] = policy.TrainedOnExamples,
        };
        Set(entity, "TrainedAt", policy.TrainedAt);
        Set(entity, "Watermark", policy.Watermark);

        // The watermark is compared with the row timestamps it came from: kept to the tick, whatever the service's
        // date precision.
        if (policy.Watermark is { } watermark)
        {
            entity["WatermarkTicks"] = watermark.UtcTicks;
        }

        if (policy.LastError is not null)
        {
            entity["LastError"] = Truncate(policy.LastError);
        }

        Set(entity, "LastErrorAt", policy.LastErrorAt);
        if (policy.Calibration is { } calibration)
        {
            entity["CalibrationPredictions"] = calibration.Predictions;
            entity["CalibrationLogLoss"] = calibration.LogLoss;
            entity["CalibrationBrier"] = calibration.Brier;
            entity["CalibrationEce"] = calibration.ExpectedCalibrationError;
            entity["CalibrationBins"] = JsonSerializer.Serialize(calibration.Bins);
        }

        return entity;
    }

    /// <summary>The properties a failure changes (a merge leaves the rest as it is).</summary>
    public static TableEntity Failure(string reason, DateTimeOffset at) =>
        new(Partition, Current) { ["LastError"] = Truncate(reason), ["LastErrorAt"] = at };

    public static PublishedPolicy Read(string table, TableEntity entity)
    {
        var row = new RowReader(table, entity);
        var ticks = row.Int64OrNull("WatermarkTicks");
        return new PublishedPolicy(
            row.Int64("Version"),
            row.DateTimeOrNull("TrainedAt"),
            row.Int32("TrainedOnTransitions"),
            (float)row.Double("TrainingLoss"),
            ticks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : row.DateTimeOrNull("Watermark"),
            row.StringOrNull("LastError"),
            row.DateTimeOrNull("LastErrorAt"))
        {
            TrainedOnExamples = row.Int32OrNull("TrainedOnExamples") ?? 0,
            Calibration = ReadCalibration(row),
        };
    }

    private static Calibration? ReadCalibration(RowReader row)
    {
        if (row.Int32OrNull("CalibrationPredictions") is not { } predictions)
        {
            return null;
        }

        ReliabilityBin[]? bins;
        try
        {
            bins = JsonSerializer.Deserialize<ReliabilityBin[]>(row.String("CalibrationBins"));
        }
        catch (JsonException)
        {
            bins = null;
        }

        return bins is { Length: CalibrationBuilder.BinCount }
            ? new Calibration(predictions, row.Double("CalibrationLogLoss"), row.Double("CalibrationBrier"), row.Double("CalibrationEce"), bins)
            : throw row.Invalid($"property 'CalibrationBins' is not a JSON array of {CalibrationBuilder.BinCount} reliability bins");
    }

    private static void Set(TableEntity entity, string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            entity[name] = v;
        }
    }

    private static string Truncate(string reason) => reason.Length <= MaximumErrorLength ? reason : reason[..MaximumErrorLength];
}
