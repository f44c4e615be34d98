using Dsp.Core.Policy;

namespace Dsp.Core.Tests.Policy;

public class PolicyTrainerTests
{
    private static float Predict(PolicySnapshot snapshot, PolicyState state, float tau) =>
        new DspDepthPolicy(snapshot, PolicyTraining.Featurizer, new DepthSelection { Tradeoff = tau }).PredictAcceptedDrafts(state);

    [Fact]
    public void Training_learns_which_states_lead_to_accepted_drafts()
    {
        var snapshot = PolicyTraining.Trainer().Train(null, PolicyTraining.EasyAndHardRuns(20));

        var easy = Predict(snapshot, PolicyTraining.Easy, 0.5f);
        var hard = Predict(snapshot, PolicyTraining.Hard, 0.5f);

        Assert.InRange(easy, 3.5f, 6.5f);   // λ-return of five accepted drafts in a row
        Assert.InRange(hard, -0.5f, 0.5f);
        Assert.Equal(1, snapshot.Version);
        Assert.Equal(180, snapshot.TrainedOnTransitions);
    }

    [Fact]
    public void Heads_never_cross_so_the_value_rises_with_tau()
    {
        var snapshot = PolicyTraining.Trainer().Train(null, PolicyTraining.EasyAndHardRuns(10));
        float[] taus = [0.05f, 0.1f, 0.25f, 0.5f, 0.75f, 0.9f, 0.95f, 0.99f];

        foreach (var state in new[] { PolicyTraining.Easy, PolicyTraining.Hard, new PolicyState("unseen", ["x", "y"], 1, 3, 4, 1) })
        {
            var values = taus.Select(t => Predict(snapshot, state, t)).ToArray();
            Assert.Equal(values.Order(), values);
        }
    }

    [Fact]
    public void Training_is_deterministic_under_a_seed()
    {
        var transitions = PolicyTraining.EasyAndHardRuns(5);

        var first = PolicyTraining.Trainer(seed: 3).Train(null, transitions).Serialize();
        var again = PolicyTraining.Trainer(seed: 3).Train(null, transitions).Serialize();
        var other = PolicyTraining.Trainer(seed: 4).Train(null, transitions).Serialize();

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Retraining_warm_starts_from_the_current_snapshot_and_bumps_the_version()
    {
        var trainer = PolicyTraining.Trainer();
        var first = trainer.Train(null, PolicyTraining.EasyAndHardRuns(10));
        var easyBefore = Predict(first, PolicyTraining.Easy, 0.5f);

        var second = trainer.Train(first, PolicyTraining.EasyAndHardRuns(1));

        Assert.Equal(2, second.Version);
        Assert.Equal(easyBefore, Predict(first, PolicyTraining.Easy, 0.5f)); // the old snapshot is untouched
        Assert.InRange(Predict(second, PolicyTraining.Easy, 0.5f), 3.5f, 6.5f);
    }

    [Fact]
    public void An_impossible_transition_stops_training_before_it_starts()
    {
        var transitions = PolicyTraining.EasyAndHardRuns(2).ToList();
        transitions[3] = transitions[3] with { Label = 9 };

        Assert.Throws<InvalidTransitionException>(() => PolicyTraining.Trainer().Train(null, transitions));
    }
}
