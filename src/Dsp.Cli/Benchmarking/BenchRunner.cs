using System.Diagnostics;
using Dsp.Core.Simulation;
using Dsp.Core.Traces;

namespace Dsp.Cli.Benchmarking;

/// <summary>Replays a trace set under each policy in turn, timing the replays alone.</summary>
internal static class BenchRunner
{
    /// <summary>
    /// Runs <see cref="PolicyBenchmark"/> for every policy, <paramref name="repeat"/> passes each; progress for a
    /// policy goes to what <paramref name="progressFor"/> returns as that policy starts.
    /// </summary>
    public static BenchResult Run(
        IReadOnlyList<string> sources,
        IReadOnlyList<AgentTrace> traces,
        IReadOnlyList<ISimulationPolicy> policies,
        TraceSimulator simulator,
        int repeat,
        Func<ISimulationPolicy, IProgress<int>?> progressFor)
    {
        var runs = new List<PolicyRun>(policies.Count);
        var clock = new Stopwatch();
        foreach (var policy in policies)
        {
            var progress = progressFor(policy);
            clock.Start();
            var summary = PolicyBenchmark.Run(policy, traces, simulator, repeat, progress);
            clock.Stop();
            runs.Add(new PolicyRun(policy, summary));
        }

        return new BenchResult(sources, traces, repeat, runs, clock.Elapsed);
    }
}
