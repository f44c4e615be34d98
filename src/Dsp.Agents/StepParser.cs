using System.Text.RegularExpressions;
using Dsp.Core.Agents;
using Dsp.Core.Planning;

namespace Dsp.Agents;

/// <summary>
/// Extracts the step from a model's answer: the last <c>Marker: step</c> line when a marker is expected, else the
/// answer's single line; with allowed actions, the step must be one of them (or TERMINATE) and comes back spelled
/// as configured. Anything else is rejected with an <see cref="AgentException"/> that quotes the answer.
/// </summary>
public sealed partial class StepParser(IReadOnlyList<string> allowedActions)
{
    public IReadOnlyList<string> AllowedActions { get; } = allowedActions;

    /// <summary>Parses an answer.</summary>
    /// <param name="answer">The model's text.</param>
    /// <param name="marker">The label of the step's line (<c>Step</c>, <c>Action</c>), or null for a bare one-line answer.</param>
    public string Parse(string answer, string? marker)
    {
        var lines = answer.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0)
        {
            throw new AgentException("The model's answer was empty.");
        }

        string? candidate = null;
        foreach (var label in marker is null ? new[] { "Step", "Action" } : [marker])
        {
            candidate ??= lines.Select(line => Labelled(line, label)).LastOrDefault(step => step is not null);
        }

        if (candidate is null)
        {
            candidate = marker is null && lines.Count == 1
                ? lines[0]
                : throw new AgentException(marker is null
                    ? $"The model's answer is not a single step: '{Quote(answer)}'."
                    : $"The model's answer has no '{marker}:' line: '{Quote(answer)}'.");
        }

        var step = Clean(candidate);
        if (step.Length == 0)
        {
            throw new AgentException($"The model's answer gives an empty step: '{Quote(answer)}'.");
        }

        if (PlanSteps.IsTerminate(step))
        {
            return PlanSteps.Terminate;
        }

        if (AllowedActions.Count == 0)
        {
            return step;
        }

        return AllowedActions.FirstOrDefault(action => string.Equals(action.Trim(), step, StringComparison.OrdinalIgnoreCase))
            ?? throw new AgentException(
                $"The model's step '{Quote(step)}' is not one of the allowed actions ({string.Join(", ", AllowedActions)}, {PlanSteps.Terminate}).");
    }

    private static string? Labelled(string line, string label)
    {
        var match = LabelPattern().Match(line);
        return match.Success && string.Equals(match.Groups["label"].Value, label, StringComparison.OrdinalIgnoreCase)
            ? match.Groups["step"].Value
            : null;
    }

    private static string Clean(string step)
    {
        var text = step.Trim().Trim('*', '`', '"', '\'', ' ').Trim();
        text = NumberPattern().Replace(text, string.Empty);
        return text.TrimEnd('.').Trim().Trim('*', '`', '"', '\'').Trim();
    }

    private static string Quote(string text)
    {
        var oneLine = text.ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= 120 ? oneLine : oneLine[..117] + "...";
    }

    [GeneratedRegex(@"^[\s>*_#`-]*(?<label>[A-Za-z]+)(\s+\d+)?\s*[*_]*\s*:\s*[*_]*\s*(?<step>.*)$")]
    private static partial Regex LabelPattern();

    [GeneratedRegex(@"^(step\s+)?\d+\s*[.):]\s+", RegexOptions.IgnoreCase)]
    private static partial Regex NumberPattern();
}
