using System.Globalization;
using Dsp.Core.Judges;
using Dsp.Core.Traces;

namespace Dsp.Core.Simulation;

/// <summary>The policies the simulator knows by name.</summary>
public static class SimulationPolicies
{
    public const string Sequential = "sequential";
    public const string FixedPrefix = "fixed-";
    public const string Oracle = "oracle";
    public const string Recorded = "recorded";

    /// <summary>The policies <c>dsp bench</c> runs when none are named.</summary>
    public static IReadOnlyList<string> Defaults { get; } = [Sequential, "fixed-2", "fixed-3", "fixed-4", "fixed-6", Oracle, Recorded];

    /// <summary>
    /// Makes a policy from its name: <c>sequential</c>, <c>fixed-N</c> (N ≥ 0), <c>oracle</c> or <c>recorded</c>.
    /// </summary>
    /// <param name="name">The policy's name.</param>
    /// <param name="judgeFor">The judge a trace is replayed with (the oracle needs it to foresee acceptance).</param>
    public static ISimulationPolicy Parse(string name, Func<AgentTrace, IStepJudge> judgeFor)
    {
        if (name.StartsWith(FixedPrefix, StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(FixedPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var depth))
        {
            return new FixedDepthPolicy(depth);
        }

        return name switch
        {
            Sequential => new FixedDepthPolicy(0),
            Oracle => new OraclePolicy(judgeFor),
            Recorded => new RecordedPolicy(),
            _ => throw new ArgumentException(
                $"Unknown policy '{name}'. Known: {Sequential}, {FixedPrefix}N (N ≥ 0), {Oracle}, {Recorded}.", nameof(name)),
        };
    }
}
