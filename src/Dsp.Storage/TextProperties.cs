using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Dsp.Storage;

/// <summary>
/// Text longer than a string property holds, stored as <c>{name}</c>, <c>{name}1</c>, <c>{name}2</c>, … (at most
/// 30,000 characters each, never between the two halves of a surrogate pair) and their count as <c>{name}Parts</c>.
/// </summary>
internal static class TextProperties
{
    /// <summary>More parts than any row can hold: a count above it is a corrupt row.</summary>
    private const int MaximumParts = 10_000;

    /// <summary>JSON that keeps non-ASCII text as it is (stored, never embedded in HTML), so it costs no more than the
    /// text.</summary>
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string PartsProperty(string name) => name + "Parts";

    public static string PartProperty(string name, int part) =>
        part == 0 ? name : name + part.ToString(CultureInfo.InvariantCulture);

    /// <summary>The parts of <paramref name="text"/> under their property names, first to last (one empty part for
    /// empty text).</summary>
    public static List<KeyValuePair<string, object>> Parts(string name, string text)
    {
        var parts = new List<KeyValuePair<string, object>>();
        var start = 0;
        do
        {
            var length = Math.Min(TableBatches.MaximumStringLength, text.Length - start);
            if (start + length < text.Length && char.IsHighSurrogate(text[start + length - 1]))
            {
                length--;
            }

            parts.Add(new(PartProperty(name, parts.Count), text.Substring(start, length)));
            start += length;
        }
        while (start < text.Length);

        return parts;
    }

    /// <summary>Sets <paramref name="text"/>'s parts and their count on <paramref name="row"/>.</summary>
    public static void Set(IDictionary<string, object> row, string name, string text)
    {
        var parts = Parts(name, text);
        row[PartsProperty(name)] = parts.Count;
        foreach (var (property, part) in parts)
        {
            row[property] = part;
        }
    }

    /// <summary>Sets a list of strings (as JSON) the same way.</summary>
    public static void SetList(IDictionary<string, object> row, string name, IReadOnlyList<string> items) =>
        Set(row, name, ToJson(items));

    public static string ToJson(IReadOnlyList<string> items) => JsonSerializer.Serialize(items, Json);

    public static string Read(RowReader row, string name)
    {
        var count = row.Int32(PartsProperty(name));
        if (count is < 1 or > MaximumParts)
        {
            throw row.Invalid($"property '{PartsProperty(name)}' is {count}");
        }

        if (count == 1)
        {
            return row.String(name);
        }

        var text = new StringBuilder();
        for (var part = 0; part < count; part++)
        {
            text.Append(row.String(PartProperty(name, part)));
        }

        return text.ToString();
    }

    /// <summary>Reads a list of strings written by <see cref="SetList"/>.</summary>
    public static string[] ReadList(RowReader row, string name)
    {
        string[]? items;
        try
        {
            items = JsonSerializer.Deserialize<string[]>(Read(row, name), Json);
        }
        catch (JsonException)
        {
            items = null;
        }

        return items is null || items.Any(item => item is null)
            ? throw row.Invalid($"property '{name}' is not a JSON array of strings")
            : items;
    }
}
