using Azure.Data.Tables;
using Dsp.Core.Runs;

namespace Dsp.Storage;

/// <summary>Maps <see cref="PublishedPolicy"/> to the row <c>policy</c>/<c>current</c> of the <c>Policies</c> table.</summary>
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
            row.DateTimeOrNull("LastErrorAt"));
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
