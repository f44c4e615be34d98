using System.Text.Json;

namespace Dsp.Core.Judges;

/// <summary>A plan step read as a tool call: a function name and its argument text.</summary>
/// <param name="Name">The tool's name, e.g. <c>Image Deblurring</c> or <c>search</c>.</param>
/// <param name="Arguments">The argument text as written (empty when the step names only a tool).</param>
public readonly record struct ToolCall(string Name, string Arguments)
{
    /// <summary>
    /// Reads <c>{"name": ..., "arguments": ...}</c> (OpenAI style), <c>name(arguments)</c>, or a bare tool name.
    /// </summary>
    public static ToolCall Parse(string step)
    {
        var text = step.Trim();
        if (text.StartsWith('{') && TryParseJson(text, out var call))
        {
            return call;
        }

        var open = text.IndexOf('(');
        if (open > 0 && text.EndsWith(')'))
        {
            return new ToolCall(text[..open].Trim(), text[(open + 1)..^1].Trim());
        }

        return new ToolCall(text, string.Empty);
    }

    private static bool TryParseJson(string text, out ToolCall call)
    {
        call = default;
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !(root.TryGetProperty("name", out var name) || root.TryGetProperty("function", out name))
                || name.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            var arguments = root.TryGetProperty("arguments", out var args) || root.TryGetProperty("args", out args)
                ? args.ValueKind == JsonValueKind.String ? args.GetString()! : args.GetRawText()
                : string.Empty;
            call = new ToolCall(name.GetString()!.Trim(), arguments.Trim());
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
