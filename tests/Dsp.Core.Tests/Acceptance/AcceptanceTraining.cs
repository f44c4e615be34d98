using Dsp.Core.Acceptance;
using Dsp.Core.Planning;
using Dsp.Core.Policy;

namespace Dsp.Core.Tests;

/// <summary>Small synthetic runs for the acceptance model: drafts of "easy task" always match, of "hard task" never.</summary>
internal static class AcceptanceTraining
{
    public static readonly CallUsage DraftUsage = new(300, 10, 1.0);
    public static readonly CallUsage TargetUsage = new(900, 200, 8.0);

    /// <summary>A run of <paramref name="steps"/> steps "step 0", "step 1", … whose drafts say <paramref name="draft"/>
    /// (null: the right step) at every position.</summary>
    public static RunExamples Run(string runId, string task, int steps, Func<int, string>? draft = null)
    {
        var plan = Enumerable.Range(0, steps).Select(i => $"step {i}").ToArray();
        var drafts = plan.Select((step, i) =>
        {
            var text = draft?.Invoke(i) ?? step;
            return new DraftRecord(i, 0, text, text == step, DraftUsage, TargetUsage);
        });
        return new RunExamples(runId, task, plan, [.. drafts]);
    }

    /// <summary>Easy runs draft right, hard runs draft "wrong".</summary>
    public static List<RunExamples> EasyAndHard(int runs) =>
        [.. Enumerable.Range(0, runs).SelectMany(r => new[]
        {
            Run($"easy-{r}", "easy task", 6),
            Run($"hard-{r}", "hard task", 6, _ => "wrong"),
        })];

    public static AcceptanceModel Model(int runs = 20) => new AcceptanceTrainer().Train(EasyAndHard(runs));

    /// <summary>The state of position <paramref name="position"/> of such a run.</summary>
    public static PolicyState State(string task, int position) =>
        new(task, [.. Enumerable.Range(0, position).Select(i => $"step {i}")], 0, 0, 0, 0);
}
