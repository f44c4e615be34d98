using System.Globalization;

namespace Dsp.Cli.Benchmarking;

/// <summary>
/// How much of the oracle's saving over fixed-6 the adaptive policy captures (DESIGN.md): for the best value of time
/// whose latency stays within 1%, 2% and 5% of fixed-6's, the share (1 − C/C_fixed6) / (1 − C_oracle/C_fixed6).
/// Null when a bound holds for no value of time.
/// </summary>
/// <param name="WithinOnePercent">The share within 1% of fixed-6's latency.</param>
/// <param name="WithinTwoPercent">Within 2%.</param>
/// <param name="WithinFivePercent">Within 5%.</param>
internal sealed record Capture(double? WithinOnePercent, double? WithinTwoPercent, double? WithinFivePercent)
{
    /// <summary>The capture of the run's adaptive rows, when the run also has fixed-6 and the oracle.</summary>
    public static Capture? Of(BenchResult result)
    {
        var fixedSix = result.Runs.FirstOrDefault(r => r.Summary.Policy == "fixed-6")?.Summary;
        var oracle = result.Runs.FirstOrDefault(r => r.Summary.Policy == Core.Simulation.SimulationPolicies.Oracle)?.Summary;
        var adaptive = result.Runs.Where(r => r.IsAdaptive).Select(r => r.Summary).ToList();
        if (fixedSix is null || oracle is null || adaptive.Count == 0 || oracle.CostUsd >= fixedSix.CostUsd)
        {
            return null;
        }

        double? Best(double bound) => adaptive
            .Where(s => s.LatencySeconds <= fixedSix.LatencySeconds * (1 + bound))
            .Select(s => (double?)((1 - (s.CostUsd / fixedSix.CostUsd)) / (1 - (oracle.CostUsd / fixedSix.CostUsd))))
            .Max();

        return new Capture(Best(0.01), Best(0.02), Best(0.05));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"adaptive captures {Share(WithinOnePercent)} of the oracle's saving over fixed-6 within 1% of its latency, {Share(WithinTwoPercent)} within 2%, {Share(WithinFivePercent)} within 5%");

    private static string Share(double? share) => share is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s * 100:0.0}%") : "none";
}
