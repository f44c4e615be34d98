namespace Dsp.Storage;

/// <summary>What may be a PartitionKey or RowKey: at most 1 KiB, none of <c>/ \ # ?</c> and no control characters.</summary>
internal static class TableKeys
{
    private const int MaximumLength = 512; // UTF-16 characters: 1 KiB

    public static void Validate(string key, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(key, paramName);
        if (key.Length > MaximumLength || key.AsSpan().IndexOfAny("/\\#?") >= 0 || key.Any(char.IsControl))
        {
            throw new ArgumentException(
                $"'{key}' cannot be a table key: at most {MaximumLength} characters, none of / \\ # ? and no control characters.", paramName);
        }
    }
}
