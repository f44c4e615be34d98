using System.Text;
using Dsp.Core.Acceptance;
using Dsp.Core.Engine;
using Dsp.Core.Planning;
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

    /// <summary>The run's judged drafts: round 0's three (C rejected) and round 2's two.</summary>
    private static readonly (int Position, int RoundOffset, string Draft)[] Drafts = [(0, 0, "A"), (1, 1, "B"), (2, 2, "X"), (4, 0, "E"), (5, 1, "TERMINATE")];

    /// <summary>A run's five transitions, as <see cref="TransitionBuilder"/> makes them.</summary>
    public static IReadOnlyList<PolicyTransition> Run(string runId, string task = "sort the list") =>
        TransitionBuilder.Build(runId, task, Plan, Verdicts, Rounds);

    /// <summary>A run's training data: its five transitions and five judged drafts (ten rows).</summary>
    public static RunTrainingData Training(string runId, string task = "sort the list", DateTimeOffset? completedAt = null) =>
        new(runId, completedAt ?? DateTimeOffset.UtcNow, Run(runId, task), Examples(runId, task));

    public static RunExamples Examples(string runId, string task = "sort the list") =>
        new(runId, task, Plan, [.. Drafts.Select((d, i) => new DraftRecord(d.Position, d.RoundOffset, d.Draft, d.Draft == Plan[d.Position], Usage(i), Usage(i + 10)))]);

    /// <summary>
    /// A run of long text: an 8,000-character task and <paramref name="steps"/> steps of 25,000 characters, mixing
    /// ASCII, accented and CJK letters and emoji (surrogate pairs, some across the 30,000-character property parts), a
    /// judged draft at every position (every third rejected) and its transitions.
    /// </summary>
    public static RunTrainingData LongText(string runId, int steps, DateTimeOffset completedAt)
    {
        var task = Text(8_000, seed: 0);
        var plan = Enumerable.Range(0, steps).Select(i => i == steps - 1 ? "TERMINATE" : Text(25_000, seed: i + 1)).ToArray();
        var verdicts = plan.Select((_, i) => i % 3 == 2 ? DraftVerdict.Rejected : DraftVerdict.Accepted).ToArray();
        var rounds = new List<RoundOutcome>();
        for (var start = 0; start < steps; start += 3)
        {
            var verified = Math.Min(3, steps - start);
            var rejected = Enumerable.Range(start, verified).Where(p => verdicts[p] == DraftVerdict.Rejected).Cast<int?>().FirstOrDefault();
            rounds.Add(new RoundOutcome(rounds.Count, start, verified, verified, verdicts.Skip(start).Take(verified).Count(v => v == DraftVerdict.Accepted), rejected));
        }

        var drafts = plan.Select((step, i) => new DraftRecord(
            i, i % 3, verdicts[i] == DraftVerdict.Accepted ? step : Text(25_000, seed: 1000 + i), verdicts[i] == DraftVerdict.Accepted, Usage(i), Usage(i + 1)));
        return new RunTrainingData(runId, completedAt, TransitionBuilder.Build(runId, task, plan, verdicts, rounds), new RunExamples(runId, task, plan, [.. drafts]));
    }

    /// <summary>The bundled traces as the app would record them: each task's judged drafts from the adaptive policy and
    /// its transitions from the <c>dsp</c> policy (both over the target's plan, which speculation does not change).</summary>
    public static IReadOnlyList<RunTrainingData> TraceTraining(DateTimeOffset completedAt)
    {
        var traces = TraceReader.ReadFile(TracesPath);
        var examples = OnlineAdaptiveBenchmark.Run(traces, 0.01, new AdaptiveLearningOptions { Passes = 1, RetrainEvery = 0 }, new SimulationOptions()).Examples;
        var transitions = OnlineDspBenchmark.Run(traces, new DspSetting(0.5f, 0), new OnlineLearningOptions { Passes = 1, RetrainEvery = 0 }, new SimulationOptions())
            .Transitions.GroupBy(t => t.RunId).ToList();
        return [.. examples.Select((run, i) =>
        {
            var runId = $"trace-{i:D3}";
            Assert.Equal(run.Task, transitions[i].First().State.Task);
            return new RunTrainingData(runId, completedAt.AddMilliseconds(i), [.. transitions[i].Select(t => t with { RunId = runId })], run with { RunId = runId });
        })];
    }

    /// <summary>Asserts two runs' training data are the same, value by value.</summary>
    public static void AssertSame(RunTrainingData expected, RunTrainingData actual)
    {
        Assert.Equal(expected.RunId, actual.RunId);
        Assert.Equal(expected.CompletedAt, actual.CompletedAt);
        AssertSame(expected.Transitions, actual.Transitions);
        Assert.Equal(expected.Examples.RunId, actual.Examples.RunId);
        Assert.Equal(expected.Examples.Task, actual.Examples.Task);
        Assert.Equal(expected.Examples.Plan, actual.Examples.Plan);
        Assert.Equal(expected.Examples.Drafts, actual.Examples.Drafts);
    }

    public static void AssertSame(IReadOnlyList<RunTrainingData> expected, IReadOnlyList<RunTrainingData> actual)
    {
        Assert.Equal(expected.Select(r => r.RunId), actual.Select(r => r.RunId));
        for (var i = 0; i < expected.Count; i++)
        {
            AssertSame(expected[i], actual[i]);
        }
    }

    private static CallUsage Usage(int i) => new(100 + i, 10 + i, 0.25 * (i + 1), Cancelled: i % 4 == 3, Retries: i % 2);

    /// <summary>Deterministic text of every width: ASCII, Latin-1, CJK and astral-plane emoji.</summary>
    private static string Text(int length, int seed)
    {
        string[] pieces = ["step ", "é", "ß", "漢字", "😀", "\"", "\\", "\n", "🚀 ", "naïve "];
        var text = new StringBuilder(length + 8);
        var random = new Random(seed);
        while (text.Length < length)
        {
            text.Append(pieces[random.Next(pieces.Length)]);
        }

        return text.ToString();
    }

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
