namespace Dsp.Core.Judges;

/// <summary>Accepts a draft only when its text equals the target's, after optional trimming and case folding.</summary>
/// <param name="trimWhiteSpace">Ignore white space around the step.</param>
/// <param name="ignoreCase">Compare ordinally, ignoring case.</param>
public sealed class ExactJudge(bool trimWhiteSpace = true, bool ignoreCase = false) : IStepJudge
{
    public string Name => StepJudges.Exact;

    public bool IsExact => true;

    public bool Accepts(string draft, string target)
    {
        var d = trimWhiteSpace ? draft.AsSpan().Trim() : draft.AsSpan();
        var t = trimWhiteSpace ? target.AsSpan().Trim() : target.AsSpan();
        return d.Equals(t, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }
}
