namespace Dsp.Core.Judges;

/// <summary>Decides whether a drafted step is the step the target produced.</summary>
public interface IStepJudge
{
    /// <summary>The judge's name as users write it (<c>exact</c>, <c>tool-call</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Whether an accepted draft is guaranteed to be the target's own step, which is what makes a plan lossless.
    /// Only an exact comparison is; any looser judge makes the result approximate.
    /// </summary>
    bool IsExact { get; }

    /// <summary>Whether the drafted step counts as the target's step.</summary>
    bool Accepts(string draft, string target);
}
