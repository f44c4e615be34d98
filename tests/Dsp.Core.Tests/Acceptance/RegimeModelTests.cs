using Dsp.Core.Acceptance;

namespace Dsp.Core.Tests.Acceptance;

public class RegimeModelTests
{
    /// <summary>
    /// Rows of (bias, feature): regime 1 holds both verdicts, the feature telling them apart; regime 0 holds only
    /// accepted drafts, as when a policy drafts again only where it expects acceptance (a low value of time).
    /// </summary>
    private static RegimeModel Fit()
    {
        var rows = new List<double>();
        var labels = new List<bool>();
        var regimes = new List<int>();
        for (var i = 0; i < 60; i++)
        {
            var accepted = i % 2 == 0;
            rows.AddRange([1, accepted ? 1 : -1]);
            labels.Add(accepted);
            regimes.Add(1);
        }

        for (var i = 0; i < 60; i++)
        {
            rows.AddRange([1, 1]);
            labels.Add(true);
            regimes.Add(0);
        }

        return RegimeModel.Fit([.. rows], [.. labels], [.. regimes], width: 2, regimeCount: 2, new AcceptanceTrainerOptions());
    }

    [Fact]
    public void A_regime_whose_examples_all_have_one_verdict_keeps_the_shared_models_judgement()
    {
        var model = Fit();

        // Nothing in regime 0 tells its cases apart: a fit there only pushed its bias up, and a case the feature marks
        // as rejected was predicted accepted (0.96).
        Assert.True(model.Predict([1, -1], regime: 0) < 0.5, $"{model.Predict([1, -1], regime: 0)}");
    }
}
