namespace Dsp.Core.Policy;

/// <summary>A transitions file line that is not a valid transition, or one that cannot have come from a real run.</summary>
public sealed class TransitionFormatException(string file, int line, string problem, Exception? inner = null)
    : FormatException($"{file}:{line}: {problem}", inner)
{
    public string File { get; } = file;

    /// <summary>The 1-based line number.</summary>
    public int Line { get; } = line;

    public string Problem { get; } = problem;
}
