using BenchmarkDotNet.Attributes;
using Dsp.Core.Policy;
using Dsp.Core.Simulation;

namespace Dsp.Benchmarks;

/// <summary>The learned policy's costs: one depth prediction, and training on 100,000 transitions.</summary>
[MemoryDiagnoser]
public class PolicyBenchmarks
{
    private readonly HashedTextFeaturizer _featurizer = new();
    private List<PolicyTransition> _transitions = [];
    private DspDepthPolicy _policy = null!;
    private DepthRequest _request;

    [GlobalSetup]
    public void Setup()
    {
        // Real transitions: the bundled traces streamed through a learning policy, repeated to 100,000.
        var traces = BundledTraces.Load();
        var stream = OnlineDspBenchmark.Run(traces, new DspSetting(0.9f, 1), new OnlineLearningOptions { Passes = 2 }, new SimulationOptions());
        for (var copy = 0; _transitions.Count < 100_000; copy++)
        {
            _transitions.AddRange(stream.Transitions.Select(t => t with { RunId = $"{t.RunId}/{copy}" }));
        }

        _transitions = _transitions.Take(100_000).ToList();
        while (!_transitions[^1].EndsSegment)
        {
            _transitions.RemoveAt(_transitions.Count - 1);
        }

        _policy = new DspDepthPolicy(stream.FinalSnapshot, _featurizer, new DepthSelection { Tradeoff = 0.9f });
        var trace = traces[0];
        _request = new DepthRequest(new PolicyState(trace.Task, trace.Steps.Take(4).Select(s => s.Target.Text).ToArray(), 0, 3, 1, 1), 2);
    }

    [Benchmark]
    public int PredictDepth() => _policy.ChooseDepth(_request);

    [Benchmark]
    public long TrainOn100kTransitions() =>
        new PolicyTrainer(new TrainerOptions(), _featurizer).Train(null, _transitions).Version;
}
