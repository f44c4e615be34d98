using Microsoft.ML.Tokenizers;

namespace Dsp.Agents;

/// <summary>
/// Counts tokens the way the service bills them, for calls whose usage report never came (cancelled streams):
/// o200k_base for the gpt-4o / gpt-4.1 / o-series / gpt-5 families (and unknown models, as an estimate),
/// cl100k_base for gpt-4, gpt-4-turbo and gpt-3.5.
/// </summary>
public static class TokenCounter
{
    private static readonly Lazy<Tokenizer> _o200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));
    private static readonly Lazy<Tokenizer> _cl100k = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));

    /// <summary>The encoding's name for a model.</summary>
    public static string EncodingFor(string model)
    {
        var name = model.Trim().ToLowerInvariant();
        var cl100k = (name.StartsWith("gpt-4", StringComparison.Ordinal) && !name.StartsWith("gpt-4o", StringComparison.Ordinal)
                && !name.StartsWith("gpt-4.", StringComparison.Ordinal))
            || name.StartsWith("gpt-35", StringComparison.Ordinal)
            || name.StartsWith("gpt-3.5", StringComparison.Ordinal);
        return cl100k ? "cl100k_base" : "o200k_base";
    }

    /// <summary>Tokens of a text.</summary>
    public static int Count(string model, string text) =>
        text.Length == 0 ? 0 : Tokenizer(model).CountTokens(text);

    /// <summary>Prompt tokens of a chat: each message's content plus the chat format's overhead (3 a message, 3 for the reply).</summary>
    public static int CountPrompt(string model, IEnumerable<PromptMessage> messages) =>
        messages.Sum(m => 3 + Count(model, m.Role) + Count(model, m.Text)) + 3;

    private static Tokenizer Tokenizer(string model) =>
        EncodingFor(model) == "cl100k_base" ? _cl100k.Value : _o200k.Value;
}

/// <summary>One message of a prompt.</summary>
/// <param name="Role"><c>system</c>, <c>user</c> or <c>assistant</c>.</param>
/// <param name="Text">Its content.</param>
public sealed record PromptMessage(string Role, string Text)
{
    public static PromptMessage System(string text) => new("system", text);

    public static PromptMessage User(string text) => new("user", text);

    public static PromptMessage Assistant(string text) => new("assistant", text);
}
