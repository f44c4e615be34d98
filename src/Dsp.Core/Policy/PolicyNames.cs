namespace Dsp.Core.Policy;

/// <summary>The learned policies a plan can use.</summary>
public static class PolicyNames
{
    /// <summary>Draft-aware: decides after every draft with the acceptance model and the value of time.</summary>
    public const string Adaptive = "adaptive";

    /// <summary>The paper's: fixes the depth at each round's start from the value model's τ-expectile plus β.</summary>
    public const string Dsp = "dsp";

    public static IReadOnlyList<string> All { get; } = [Adaptive, Dsp];
}
