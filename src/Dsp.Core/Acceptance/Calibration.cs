namespace Dsp.Core.Acceptance;

/// <summary>One bin of a reliability table: predictions in [From, To) and how often they came true.</summary>
/// <param name="From">The bin's lower bound.</param>
/// <param name="To">The bin's upper bound (1 is included in the last bin).</param>
/// <param name="Count">Predictions in the bin.</param>
/// <param name="MeanPredicted">Their mean predicted probability (0 when empty).</param>
/// <param name="Observed">The share of them that came true (0 when empty).</param>
public readonly record struct ReliabilityBin(double From, double To, int Count, double MeanPredicted, double Observed);

/// <summary>How well predicted probabilities match outcomes.</summary>
/// <param name="Predictions">How many predictions were scored.</param>
/// <param name="LogLoss">Mean negative log-likelihood of the outcomes (nats; probabilities clipped to [1e-6, 1 − 1e-6]).</param>
/// <param name="Brier">Mean squared error of the probabilities.</param>
/// <param name="ExpectedCalibrationError">Σ over bins of (bin count / total) × |mean predicted − observed|.</param>
/// <param name="Bins">The 10-bin reliability table.</param>
public sealed record Calibration(int Predictions, double LogLoss, double Brier, double ExpectedCalibrationError, IReadOnlyList<ReliabilityBin> Bins)
{
    /// <summary>No predictions scored.</summary>
    public static Calibration Empty { get; } = new CalibrationBuilder().Build();
}

/// <summary>Scores predicted probabilities against outcomes, one at a time.</summary>
public sealed class CalibrationBuilder
{
    public const int BinCount = 10;
    private const double Clip = 1e-6;

    private readonly int[] _counts = new int[BinCount];
    private readonly double[] _predicted = new double[BinCount];
    private readonly double[] _observed = new double[BinCount];
    private double _logLoss;
    private double _brier;
    private int _total;

    public void Add(double probability, bool outcome)
    {
        if (!double.IsFinite(probability) || probability is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "A probability lies in [0, 1].");
        }

        var y = outcome ? 1.0 : 0.0;
        var p = Math.Clamp(probability, Clip, 1 - Clip);
        _logLoss -= outcome ? Math.Log(p) : Math.Log(1 - p);
        _brier += (probability - y) * (probability - y);
        var bin = Math.Min((int)(probability * BinCount), BinCount - 1);
        _counts[bin]++;
        _predicted[bin] += probability;
        _observed[bin] += y;
        _total++;
    }

    public Calibration Build()
    {
        var bins = new ReliabilityBin[BinCount];
        double ece = 0;
        for (var b = 0; b < BinCount; b++)
        {
            var n = _counts[b];
            var predicted = n == 0 ? 0 : _predicted[b] / n;
            var observed = n == 0 ? 0 : _observed[b] / n;
            bins[b] = new ReliabilityBin((double)b / BinCount, (double)(b + 1) / BinCount, n, predicted, observed);
            ece += _total == 0 ? 0 : (double)n / _total * Math.Abs(predicted - observed);
        }

        return _total == 0
            ? new Calibration(0, 0, 0, 0, bins)
            : new Calibration(_total, _logLoss / _total, _brier / _total, ece, bins);
    }
}
