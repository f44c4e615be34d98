using Dsp.Core.Policy;
using Dsp.Core.Simulation;

namespace Dsp.Core.Tests.Policy;

public class DspDepthPolicyTests
{
    private static readonly PolicySnapshot Snapshot = PolicyTraining.Trainer().Train(null, PolicyTraining.EasyAndHardRuns(20));

    private static int Depth(PolicySnapshot? snapshot, PolicyState state, DepthSelection selection) =>
        new DspDepthPolicy(snapshot, PolicyTraining.Featurizer, selection).ChooseDepth(new DepthRequest(state, 0));

    [Fact]
    public void Before_training_the_cold_start_depth_plus_offset_is_used()
    {
        Assert.Equal(2, Depth(null, PolicyTraining.Easy, new DepthSelection()));
        Assert.Equal(4, Depth(null, PolicyTraining.Easy, new DepthSelection { ColdStartDepth = 3, Offset = 1 }));
    }

    [Fact]
    public void Depth_is_the_rounded_prediction_plus_offset()
    {
        var selection = new DepthSelection { Tradeoff = 0.5f, MaxDepth = 20 };
        var value = new DspDepthPolicy(Snapshot, PolicyTraining.Featurizer, selection).PredictAcceptedDrafts(PolicyTraining.Easy);

        Assert.Equal((int)MathF.Round(value, MidpointRounding.AwayFromZero), Depth(Snapshot, PolicyTraining.Easy, selection));
        Assert.Equal((int)MathF.Round(value, MidpointRounding.AwayFromZero) + 2, Depth(Snapshot, PolicyTraining.Easy, selection with { Offset = 2 }));
    }

    [Fact]
    public void Depth_stays_within_its_bounds_and_may_be_zero()
    {
        Assert.Equal(1, Depth(Snapshot, PolicyTraining.Hard, new DepthSelection { Offset = -3 }));
        Assert.Equal(0, Depth(Snapshot, PolicyTraining.Hard, new DepthSelection { Offset = -3, MinDepth = 0 }));
        Assert.Equal(3, Depth(Snapshot, PolicyTraining.Easy, new DepthSelection { Offset = 5, MaxDepth = 3 }));
    }

    [Fact]
    public void A_higher_tradeoff_never_speculates_shallower()
    {
        var depths = new[] { 0.1f, 0.3f, 0.5f, 0.7f, 0.9f, 0.99f }
            .Select(tau => Depth(Snapshot, PolicyTraining.Easy, new DepthSelection { Tradeoff = tau, MaxDepth = 20 }))
            .ToArray();

        Assert.Equal(depths.Order(), depths);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    [InlineData(1.5f)]
    public void A_tradeoff_outside_zero_to_one_is_refused(float tau)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DspDepthPolicy(null, PolicyTraining.Featurizer, new DepthSelection { Tradeoff = tau }));
    }

    [Fact]
    public void A_snapshot_trained_on_other_features_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new DspDepthPolicy(Snapshot, new HashedTextFeaturizer(hashBits: 10), new DepthSelection()));
    }
}
