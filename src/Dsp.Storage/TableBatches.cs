using Azure.Data.Tables;

namespace Dsp.Storage;

/// <summary>The service's size limits, and rows split into entity-group transactions that respect them.</summary>
internal static class TableBatches
{
    /// <summary>A transaction holds at most 100 operations…</summary>
    public const int MaximumCount = 100;

    /// <summary>An entity holds at most 1 MiB, as the service counts it (strings in UTF-16).</summary>
    public const long MaximumEntityBytes = 960L << 10;

    /// <summary>A string property holds at most 64 KiB of UTF-16: 32K characters.</summary>
    public const int MaximumStringLength = 30_000;

    /// <summary>… and 4 MiB of payload: batches stay under 3 MiB of estimated request body.</summary>
    private const long MaximumBatchBytes = 3L << 20;

    /// <summary>Splits rows into transactions of at most 100 rows and 3 MiB of request body each, in order; the same
    /// rows always split the same way.</summary>
    public static IEnumerable<List<TableEntity>> Split(IReadOnlyList<TableEntity> entities)
    {
        var batch = new List<TableEntity>();
        var bytes = 0L;
        foreach (var entity in entities)
        {
            var size = RequestBytes(entity);
            if (batch.Count == MaximumCount || (batch.Count > 0 && bytes + size > MaximumBatchBytes))
            {
                yield return batch;
                batch = [];
                bytes = 0;
            }

            batch.Add(entity);
            bytes += size;
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    /// <summary>An upper bound of the row's size as the service counts it against the 1 MiB entity limit.</summary>
    public static long EntityBytes(TableEntity entity) =>
        1024 + entity.Sum(p => 64 + (2L * p.Key.Length) + (p.Value is string s ? 2L * s.Length : 16));

    /// <summary>An upper bound of the row's JSON in a transaction's body: the client escapes characters outside ASCII
    /// as <c>\uXXXX</c> (6 bytes each), and a part of the multipart body carries its own headers.</summary>
    private static long RequestBytes(TableEntity entity) =>
        2048 + entity.Sum(p => 64 + (2L * p.Key.Length) + (p.Value is string s ? JsonBytes(s) : 32));

    private static long JsonBytes(string text)
    {
        var bytes = 2L;
        foreach (var c in text)
        {
            bytes += c is >= ' ' and < (char)0x80 ? 2 : 6;
        }

        return bytes;
    }
}
