using Azure.Data.Tables;

namespace Dsp.Storage;

/// <summary>Whether a stored row holds exactly what a write would put there: a replayed write, not a different row
/// under the same key.</summary>
internal static class RowContent
{
    private static readonly HashSet<string> ServiceProperties = new(StringComparer.Ordinal)
    {
        "PartitionKey", "RowKey", "Timestamp", "odata.etag",
    };

    public static bool Same(TableEntity written, TableEntity stored)
    {
        var properties = 0;
        foreach (var (name, value) in stored)
        {
            if (ServiceProperties.Contains(name))
            {
                continue;
            }

            properties++;
            if (!written.TryGetValue(name, out var expected) || !SameValue(expected, value))
            {
                return false;
            }
        }

        return properties == written.Count(p => !ServiceProperties.Contains(p.Key));
    }

    /// <summary>Values as the client reads them back: integers may come back wider, everything else as written.</summary>
    private static bool SameValue(object? written, object? stored) => (written, stored) switch
    {
        (int a, int b) => a == b,
        (int a, long b) => a == b,
        (long a, long b) => a == b,
        (long a, int b) => a == b,
        (double a, double b) => a.Equals(b),
        (double a, int b) => a.Equals(b),
        (double a, long b) => a.Equals(b),
        (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
        (bool a, bool b) => a == b,
        _ => Equals(written, stored),
    };
}
