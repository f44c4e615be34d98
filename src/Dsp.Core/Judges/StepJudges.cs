namespace Dsp.Core.Judges;

/// <summary>The judges users can name, and how to make them from a name.</summary>
public static class StepJudges
{
    public const string Exact = "exact";
    public const string ToolCall = "tool-call";

    /// <summary>Every judge name that <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [Exact, ToolCall];

    /// <summary>Makes the judge with default settings for a name; throws for an unknown name.</summary>
    public static IStepJudge Create(string name) => name switch
    {
        Exact => new ExactJudge(),
        ToolCall => new ToolCallJudge(),
        _ => throw new ArgumentException(
            $"Unknown judge '{name}'. Known judges: {string.Join(", ", Names)}.", nameof(name)),
    };
}
