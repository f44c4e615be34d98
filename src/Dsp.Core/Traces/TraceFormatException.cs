namespace Dsp.Core.Traces;

/// <summary>A trace file line that is not a valid <c>dsp-trace/1</c> record.</summary>
public sealed class TraceFormatException(string file, int line, string problem, Exception? inner = null)
    : FormatException($"{file}:{line}: {problem}", inner)
{
    public string File { get; } = file;

    /// <summary>The 1-based line number.</summary>
    public int Line { get; } = line;

    public string Problem { get; } = problem;
}
