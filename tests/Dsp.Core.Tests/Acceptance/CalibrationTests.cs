using Dsp.Core.Acceptance;

namespace Dsp.Core.Tests.Acceptance;

public class CalibrationTests
{
    [Fact]
    public void Perfectly_calibrated_predictions_have_no_calibration_error()
    {
        var builder = new CalibrationBuilder();
        for (var i = 0; i < 10; i++)
        {
            builder.Add(0.25, i < 1 || i == 5 || i == 9 ? i != 9 : false); // 2 of 8 ... filled below
        }

        var exact = new CalibrationBuilder();
        foreach (var (p, hits, total) in new[] { (0.05, 1, 20), (0.55, 11, 20), (0.95, 19, 20) })
        {
            for (var i = 0; i < total; i++)
            {
                exact.Add(p, i < hits);
            }
        }

        var calibration = exact.Build();
        Assert.Equal(60, calibration.Predictions);
        Assert.Equal(0, calibration.ExpectedCalibrationError, 12);
        Assert.Equal(10, calibration.Bins.Count);
        Assert.Equal(20, calibration.Bins[5].Count);
        Assert.Equal(0.55, calibration.Bins[5].Observed, 12);
    }

    [Fact]
    public void Log_loss_Brier_and_calibration_error_follow_their_definitions()
    {
        var builder = new CalibrationBuilder();
        builder.Add(0.8, true);
        builder.Add(0.8, false);
        builder.Add(1.0, true);

        var calibration = builder.Build();

        Assert.Equal((-Math.Log(0.8) - Math.Log(0.2) - Math.Log(1 - 1e-6)) / 3, calibration.LogLoss, 9);
        Assert.Equal((0.04 + 0.64 + 0) / 3, calibration.Brier, 12);
        // Bin 8: 0.8 predicted, 0.5 observed, 2 of 3; bin 9: 1.0 predicted, 1.0 observed.
        Assert.Equal(2.0 / 3 * 0.3, calibration.ExpectedCalibrationError, 12);
    }

    [Fact]
    public void A_probability_outside_zero_and_one_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CalibrationBuilder().Add(1.5, true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CalibrationBuilder().Add(double.NaN, true));
    }
}
