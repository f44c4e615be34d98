namespace Dsp.Core.Planning;

/// <summary>Conventions shared by every plan: the step that ends a plan.</summary>
public static class PlanSteps
{
    /// <summary>The step text with which an agent declares the plan finished.</summary>
    public const string Terminate = "TERMINATE";

    /// <summary>Whether <paramref name="step"/> ends the plan (surrounding white space and case are ignored).</summary>
    public static bool IsTerminate(string step) =>
        step.AsSpan().Trim().Equals(Terminate, StringComparison.OrdinalIgnoreCase);
}
