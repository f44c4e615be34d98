using BenchmarkDotNet.Attributes;
using Dsp.Core.Simulation;
using Dsp.Core.Traces;

namespace Dsp.Benchmarks;

/// <summary>Simulator throughput: one replay of the bundled file (232 steps) per operation, on one thread.</summary>
[MemoryDiagnoser]
public class ReplayBenchmarks
{
    private IReadOnlyList<AgentTrace> _traces = [];
    private TraceSimulator _simulator = null!;
    private ISimulationPolicy _policy = null!;

    [Params("fixed-2", "fixed-6", "oracle")]
    public string Policy { get; set; } = "fixed-2";

    [GlobalSetup]
    public void Setup()
    {
        _traces = BundledTraces.Load();
        _simulator = new TraceSimulator(new SimulationOptions());
        _policy = SimulationPolicies.Parse(Policy, _simulator.JudgeFor);
    }

    /// <summary>Divide 232 steps by the mean time for steps per second.</summary>
    [Benchmark]
    public double ReplayBundledFile()
    {
        var latency = 0.0;
        foreach (var trace in _traces)
        {
            latency += _simulator.Run(trace, _policy.ForTrace(trace)).Metrics.LatencySeconds;
        }

        return latency;
    }
}
