using Azure.Data.Tables;

namespace Dsp.Storage;

/// <summary>Reads typed properties of a stored row; a missing or mistyped property throws <see cref="InvalidRowException"/>
/// naming the table, the partition and the row.</summary>
internal readonly struct RowReader(string table, TableEntity entity)
{
    public string PartitionKey => entity.PartitionKey;

    public string RowKey => entity.RowKey;

    public InvalidRowException Invalid(string problem) => new(table, entity.PartitionKey, entity.RowKey, problem);

    public string String(string name) =>
        entity.TryGetValue(name, out var value) && value is string text ? text : throw Missing(name, "a string");

    public string? StringOrNull(string name) =>
        !entity.TryGetValue(name, out var value) || value is null ? null : value as string ?? throw Missing(name, "a string");

    public int Int32(string name) => Get(name) switch
    {
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        _ => throw Missing(name, "a 32-bit integer"),
    };

    public long Int64(string name) => Get(name) switch
    {
        long l => l,
        int i => i,
        _ => throw Missing(name, "an integer"),
    };

    public int? Int32OrNull(string name) => Has(name) ? Int32(name) : null;

    public long? Int64OrNull(string name) => Has(name) ? Int64(name) : null;

    public double Double(string name) => Get(name) switch
    {
        double d => d,
        int i => i,
        long l => l,
        _ => throw Missing(name, "a number"),
    };

    public double? DoubleOrNull(string name) => Has(name) ? Double(name) : null;

    public bool Boolean(string name) => Get(name) is bool b ? b : throw Missing(name, "a boolean");

    public DateTimeOffset DateTime(string name) => Get(name) switch
    {
        DateTimeOffset d => d,
        DateTime d => new DateTimeOffset(System.DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        _ => throw Missing(name, "a date and time"),
    };

    public DateTimeOffset? DateTimeOrNull(string name) => Has(name) ? DateTime(name) : null;

    private bool Has(string name) => entity.TryGetValue(name, out var value) && value is not null;

    private object? Get(string name) => entity.TryGetValue(name, out var value) ? value : null;

    private InvalidRowException Missing(string name, string kind) => Invalid($"property '{name}' is missing or not {kind}");
}
