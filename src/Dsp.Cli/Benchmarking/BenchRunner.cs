using System.Diagnostics;
using Dsp.Core.Acceptance;
using Dsp.Core.Simulation;
using Dsp.Core.Traces;

namespace Dsp.Cli.Benchmarking;

/// <summary>Replays a trace set under each policy in turn, then runs the dsp sweep, timing the two apart.</summary>
internal static class BenchRunner
{
    /// <summary>
    /// Runs <see cref="PolicyBenchmark"/> for every policy, <paramref name="passes"/> passes each, then, when asked,
    /// <see cref="OnlineDspBenchmark.RunAll"/> for the dsp settings and <see cref="OnlineAdaptiveBenchmark.RunAll"/> for
    /// the adaptive values of time. Progress goes to what <paramref name="progressFor"/> returns, given a name and the
    /// number of tasks to come, as each part starts.
    /// </summary>
    public static BenchResult Run(
        IReadOnlyList<string> sources,
        IReadOnlyList<AgentTrace> traces,
        IReadOnlyList<ISimulationPolicy> policies,
        DspSweep? dsp,
        AdaptiveSweep? adaptive,
        TraceSimulator simulator,
        int passes,
        Func<string, int, IProgress<int>?> progressFor)
    {
        var runs = new List<PolicyRun>(policies.Count);
        var clock = new Stopwatch();
        foreach (var policy in policies)
        {
            var progress = progressFor(policy.Name, traces.Count * passes);
            clock.Start();
            var summary = PolicyBenchmark.Run(policy, traces, simulator, passes, progress);
            clock.Stop();
            runs.Add(new PolicyRun(policy, summary));
        }

        var sweep = dsp is null ? null : Sweep(traces, dsp, simulator, progressFor);
        var adaptiveSweep = adaptive is null ? null : Sweep(traces, adaptive, simulator, progressFor);

        // Each sweep's rows go where --policies names it (its position counts the names before it, the other sweep's
        // name included): in name order, each after the rows already placed.
        var sweeps = new List<(int Position, List<PolicyRun> Rows)>();
        if (sweep is not null)
        {
            sweeps.Add((sweep.Sweep.Position, [.. sweep.Streams.Select(s => new PolicyRun(null, s.Summary))]));
        }

        if (adaptiveSweep is not null)
        {
            sweeps.Add((adaptiveSweep.Sweep.Position, [.. adaptiveSweep.Streams.Select(s => new PolicyRun(null, s.Summary, s))]));
        }

        var placed = 0;
        foreach (var (position, rows) in sweeps.OrderBy(s => s.Position))
        {
            runs.InsertRange(position + placed, rows);
            placed += rows.Count - 1;
        }

        return new BenchResult(sources, traces, passes, runs, clock.Elapsed, sweep, adaptiveSweep);
    }

    private static AdaptiveSweepResult Sweep(
        IReadOnlyList<AgentTrace> traces,
        AdaptiveSweep adaptive,
        TraceSimulator simulator,
        Func<string, int, IProgress<int>?> progressFor)
    {
        var progress = progressFor(OnlineAdaptiveBenchmark.PolicyName, adaptive.ValuesOfTime.Count * traces.Count * adaptive.Options.Passes);
        var clock = Stopwatch.StartNew();
        var streams = OnlineAdaptiveBenchmark.RunAll(traces, adaptive.ValuesOfTime, adaptive.Options, simulator.Options, progress);
        return new AdaptiveSweepResult(adaptive, streams, clock.Elapsed);
    }

    private static DspSweepResult Sweep(
        IReadOnlyList<AgentTrace> traces,
        DspSweep dsp,
        TraceSimulator simulator,
        Func<string, int, IProgress<int>?> progressFor)
    {
        var progress = progressFor(OnlineDspBenchmark.PolicyName, dsp.Settings.Count * traces.Count * dsp.Options.Passes);
        var clock = Stopwatch.StartNew();
        var streams = OnlineDspBenchmark.RunAll(traces, dsp.Settings, dsp.Options, simulator.Options, progress);
        return new DspSweepResult(dsp, streams, clock.Elapsed);
    }
}
