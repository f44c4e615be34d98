using System.Globalization;
using BenchmarkDotNet.Attributes;
using Dsp.Core.Acceptance;
using Dsp.Core.Costs;
using Dsp.Core.Policy;
using Dsp.Core.Simulation;

namespace Dsp.Benchmarks;

/// <summary>
/// The adaptive policy's costs: one decision after a draft (the acceptance model's prediction and the value-of-time
/// rule), one before a round's first draft, and training the acceptance model on 100,000 judged drafts.
/// </summary>
[MemoryDiagnoser]
public class AcceptanceBenchmarks
{
    private readonly List<RunExamples> _examples = [];
    private AdaptivePolicy _policy = null!;
    private DraftFinishedRequest _afterDraft;
    private RoundStartRequest _roundStart;

    [GlobalSetup]
    public void Setup()
    {
        // Real judged drafts: the bundled traces streamed through the learning policy, copied with a task of their own
        // per copy (so the memory grows as with 100,000 drafts of distinct runs) until there are 100,000.
        var traces = BundledTraces.Load();
        var stream = OnlineAdaptiveBenchmark.Run(traces, 0.02, new AdaptiveLearningOptions { Passes = 2 }, new SimulationOptions());
        for (var copy = 0; _examples.Sum(r => r.Drafts.Count) < 100_000; copy++)
        {
            _examples.AddRange(stream.Examples.Select(r => r with
            {
                RunId = string.Create(CultureInfo.InvariantCulture, $"{r.RunId}/{copy}"),
                Task = string.Create(CultureInfo.InvariantCulture, $"{r.Task} ({copy % 50})"),
            }));
        }

        var price = PriceTable.BuiltIn["gpt-4-turbo"];
        _policy = new AdaptivePolicy(stream.FinalModel, new AdaptiveSettings { ValueOfTime = 0.02, DraftPrice = price, TargetPrice = price });
        var trace = traces[0];
        var state = new PolicyState(trace.Task, [.. trace.Steps.Take(4).Select(s => s.Target.Text)], 1, 3, 1, 1);
        _afterDraft = new DraftFinishedRequest(state, 2, trace.Steps[4].Draft.Text, trace.Steps[4].Draft.LatencySeconds, ChainMemo.Start with { ChainAcceptance = 0.9 });
        _roundStart = new RoundStartRequest(state with { DraftsInRound = 0 }, 2);
    }

    [Benchmark]
    public bool DecideAfterDraft() => _policy.AfterDraft(_afterDraft).GoOn;

    [Benchmark]
    public bool DecideAtRoundStart() => _policy.AtRoundStart(_roundStart).GoOn;

    [Benchmark]
    public int TrainOn100kJudgedDrafts() => new AcceptanceTrainer().Train(_examples).TrainedOnExamples;
}
