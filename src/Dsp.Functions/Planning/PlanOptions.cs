namespace Dsp.Functions.Planning;

/// <summary>Plan settings (configuration section <c>Dsp:Plans</c>).</summary>
public sealed class PlanOptions
{
    public const string Section = "Dsp:Plans";

    /// <summary>How often a running call checks whether it was cancelled.</summary>
    public TimeSpan CancellationPollInterval { get; set; } = TimeSpan.FromMilliseconds(200);
}
