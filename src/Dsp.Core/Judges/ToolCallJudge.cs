namespace Dsp.Core.Judges;

/// <summary>
/// Accepts a draft that calls the same tool as the target with similar arguments: the normalized Levenshtein
/// similarity of the argument texts must be at least the threshold. Approximate: a plan judged this way may
/// differ from the target's own plan.
/// </summary>
public sealed class ToolCallJudge : IStepJudge
{
    /// <summary>The default minimum argument similarity.</summary>
    public const double DefaultThreshold = 0.5;

    /// <param name="threshold">Minimum similarity of the argument texts, between 0 and 1.</param>
    public ToolCallJudge(double threshold = DefaultThreshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threshold, 1.0);
        Threshold = threshold;
    }

    public double Threshold { get; }

    public string Name => StepJudges.ToolCall;

    public bool IsExact => false;

    public bool Accepts(string draft, string target)
    {
        var d = ToolCall.Parse(draft);
        var t = ToolCall.Parse(target);
        return string.Equals(d.Name, t.Name, StringComparison.OrdinalIgnoreCase)
            && Levenshtein.Similarity(d.Arguments, t.Arguments) >= Threshold;
    }
}
