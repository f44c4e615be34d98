using Dsp.Core.Engine;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Dsp.Core.Simulation;
using Dsp.Core.Traces;
using static Dsp.Core.Engine.DraftVerdict;

namespace Dsp.Storage.Tests;

/// <summary>Transitions, runs and snapshots to store.</summary>
internal static class Samples
{
    private static readonly string[] Plan = ["A", "B", "C", "D", "E", "TERMINATE"];

    // Round 0 speculates 3 deep: A, B accepted, C rejected; round 1 runs the target alone for D; round 2 accepts E and
    // TERMINATE.
    private static readonly DraftVerdict[] Verdicts = [Accepted, Accepted, Rejected, NotDrafted, Accepted, Accepted];

    private static readonly RoundOutcome[] Rounds = [new(0, 0, 3, 3, 2, 2), new(1, 3, 0, 1, 0, 3), new(2, 4, 2, 2, 2, null)];

    public static string TracesPath => Path.Combine(AppContext.BaseDirectory, "traces", "openagi-gpt4turbo.jsonl");

    /// <summary>A run's five transitions, as <see cref="TransitionBuilder"/> makes them.</summary>
    public static IReadOnlyList<PolicyTransition> Run(string runId, string task = "sort the list") =>
        TransitionBuilder.Build(runId, task, Plan, Verdicts, Rounds);

    /// <summary>One segment of <paramref name="count"/> accepted drafts, each state with the steps before it.</summary>
    public static IReadOnlyList<PolicyTransition> LongRun(string runId, int count) =>
        Enumerable.Range(0, count)
            .Select(i => new PolicyTransition(
                runId,
                new PolicyState("a long task", Enumerable.Range(0, i).Select(s => $"step {s}").ToArray(), i % 4, i, 0, i),
                1f,
                count - i,
                i == count - 1))
            .ToList();

    /// <summary>The transitions of simulated runs over the bundled traces, by run (ids made table-safe).</summary>
    public static IReadOnlyList<IReadOnlyList<PolicyTransition>> TraceRuns()
    {
        var result = OnlineDspBenchmark.Run(
            TraceReader.ReadFile(TracesPath), new DspSetting(0.5f, 0), new OnlineLearningOptions { Passes = 1, RetrainEvery = 0 }, new SimulationOptions());
        return result.Transitions
            .GroupBy(t => t.RunId)
            .Select(run => (IReadOnlyList<PolicyTransition>)run.Select(t => t with { RunId = t.RunId.Replace('#', '-').Replace('/', '-') }).ToList())
            .ToList();
    }

    public static PolicySnapshot Snapshot(long version, int seed = 1) =>
        new(version, 10 * (int)version, 0.25f, "test/1", ExpectileValueModel.Create(8, 4, [0.5f], seed));

    public static PublishedPolicy Describe(PolicySnapshot snapshot, DateTimeOffset? watermark = null) =>
        new(snapshot.Version, new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero), snapshot.TrainedOnTransitions, snapshot.TrainingLoss, watermark);

    public static RunRecord Record(string runId, DateTimeOffset completedAt, int steps = 6) => new()
    {
        RunId = runId,
        Task = $"task of {runId}",
        Agents = "default",
        Tradeoff = 0.9f,
        Offset = 1,
        PolicyVersion = 7,
        Outcome = "Completed",
        Steps = steps,
        Rounds = 3,
        MeanDepth = 2.5,
        LatencySeconds = 12.25,
        CostUsd = 0.0425,
        UnnecessaryCostUsd = 0.005,
        SequentialLatencySeconds = 20.5,
        SequentialCostUsd = 0.03,
        Lossless = true,
        Transitions = 5,
        Calls = 11,
        CancelledCalls = 2,
        Retries = 1,
        CompletedAt = completedAt,
    };

    /// <summary>Asserts two lists of transitions are the same, value by value.</summary>
    public static void AssertSame(IReadOnlyList<PolicyTransition> expected, IReadOnlyList<PolicyTransition> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], actual[i]);
            Assert.Equal((e.RunId, e.Reward, e.Label, e.EndsSegment), (a.RunId, a.Reward, a.Label, a.EndsSegment));
            Assert.Equal(e.State.Task, a.State.Task);
            Assert.Equal(e.State.History, a.State.History);
            Assert.Equal(
                (e.State.DraftsInRound, e.State.AcceptedDrafts, e.State.RejectedDrafts, e.State.AcceptedStreak),
                (a.State.DraftsInRound, a.State.AcceptedDrafts, a.State.RejectedDrafts, a.State.AcceptedStreak));
        }
    }
}

/// <summary>The system clock moved forward by <see cref="Offset"/> (row timestamps stay the service's).</summary>
internal sealed class ShiftedClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}
