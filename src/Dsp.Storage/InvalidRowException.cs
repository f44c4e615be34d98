namespace Dsp.Storage;

/// <summary>A stored row that cannot be what its table holds (a property missing, of the wrong type or impossible).</summary>
public sealed class InvalidRowException(string table, string partitionKey, string rowKey, string problem)
    : FormatException($"Row '{rowKey}' of '{partitionKey}' in table '{table}' is invalid: {problem}.")
{
    public string Table { get; } = table;

    public string PartitionKey { get; } = partitionKey;

    public string RowKey { get; } = rowKey;
}
