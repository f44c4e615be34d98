using Dsp.Core.Policy;

namespace Dsp.Core.Tests.Policy;

/// <summary>Small synthetic transition sets for training tests.</summary>
internal static class PolicyTraining
{
    public static readonly HashedTextFeaturizer Featurizer = new();

    /// <summary>Runs of two tasks: drafts for "easy" are accepted five in a row, drafts for "hard" never.</summary>
    public static IReadOnlyList<PolicyTransition> EasyAndHardRuns(int runs)
    {
        var transitions = new List<PolicyTransition>();
        for (var run = 0; run < runs; run++)
        {
            for (var i = 0; i < 6; i++)
            {
                var state = new PolicyState("easy task: sort the list", Steps(i), 0, i, 0, i);
                transitions.Add(new PolicyTransition($"easy-{run}", state, i < 5 ? 1f : 0f, 6 - i, i == 5));
            }

            for (var i = 0; i < 3; i++)
            {
                var state = new PolicyState("hard task: prove the theorem", Steps(i), 0, 0, i, 0);
                transitions.Add(new PolicyTransition($"hard-{run}", state, 0f, 1, true));
            }
        }

        return transitions;
    }

    public static PolicyState Easy => new("easy task: sort the list", [], 0, 0, 0, 0);

    public static PolicyState Hard => new("hard task: prove the theorem", [], 0, 0, 0, 0);

    public static PolicyTrainer Trainer(int seed = 7) => new(new TrainerOptions { Seed = seed }, Featurizer);

    private static string[] Steps(int count) => Enumerable.Range(0, count).Select(i => $"step {i}").ToArray();
}
