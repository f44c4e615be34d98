namespace Dsp.Core.Acceptance;

/// <summary>
/// One logistic model per regime (how much the memory knows of a case), each with the model of all cases as its
/// prior: a regime with few examples predicts as the shared model does (one whose examples all have the same verdict
/// keeps the shared model: nothing there tells cases apart), one with many learns its own weights — the
/// features that matter for a draft judged before are not those that matter for a new one. Each model's penalty is
/// chosen on the newest examples: fitted on the older ones, the penalty that predicts the newer ones best wins, and
/// the model is fitted again on all of them with it.
/// </summary>
internal sealed class RegimeModel
{
    /// <summary>The penalties tried.</summary>
    private static readonly double[] Penalties = [0.03, 0.1, 0.3, 1, 3, 10, 30];

    /// <summary>The penalty of a model with too few examples to choose one.</summary>
    private const double SmallSamplePenalty = 10;

    /// <summary>Examples needed to hold out a part for choosing the penalty.</summary>
    private const int MinimumForSelection = 30;

    /// <summary>The newest share of the examples held out to choose the penalty.</summary>
    private const double HeldOutShare = 0.2;

    /// <summary>The penalty is chosen on at most this many of the newest examples (training uses all).</summary>
    private const int SelectionWindow = 20_000;

    private readonly LogisticRegression[] _regimes;

    public RegimeModel(LogisticRegression[] regimes) => _regimes = regimes;

    public IReadOnlyList<LogisticRegression> Regimes => _regimes;

    public double Predict(ReadOnlySpan<double> x, int regime) => _regimes[regime].Predict(x);

    /// <summary>Fits the shared model on every row, then each regime's on its rows; rows are oldest first.</summary>
    public static RegimeModel Fit(double[] rows, bool[] labels, int[] regimes, int width, int regimeCount, AcceptanceTrainerOptions options)
    {
        var shared = FitSelected(rows, labels, width, options, default);
        var models = new LogisticRegression[regimeCount];
        for (var regime = 0; regime < regimeCount; regime++)
        {
            var members = Enumerable.Range(0, labels.Length).Where(i => regimes[i] == regime).ToArray();
            if (members.Length == 0 || members.All(i => labels[i] == labels[members[0]]))
            {
                // No example, or no verdict against the others: nothing to tell this regime's cases apart by, and a
                // fit would only push its intercept without bound.
                models[regime] = shared;
                continue;
            }

            var subset = new double[members.Length * width];
            var subsetLabels = new bool[members.Length];
            for (var i = 0; i < members.Length; i++)
            {
                rows.AsSpan(members[i] * width, width).CopyTo(subset.AsSpan(i * width, width));
                subsetLabels[i] = labels[members[i]];
            }

            models[regime] = FitSelected(subset, subsetLabels, width, options, shared.Weights);
        }

        return new RegimeModel(models);
    }

    private static LogisticRegression FitSelected(double[] rows, bool[] labels, int width, AcceptanceTrainerOptions options, ReadOnlySpan<double> prior)
    {
        var penalty = options.L2 ?? SelectPenalty(rows, labels, width, options, prior);
        return LogisticRegression.Fit(rows, labels, width, penalty, options.MaxIterations, prior);
    }

    /// <summary>The penalty whose fit on the older examples gives the newer ones the lowest log-loss.</summary>
    private static double SelectPenalty(
        double[] rows, bool[] labels, int width, AcceptanceTrainerOptions options, ReadOnlySpan<double> prior)
    {
        var count = Math.Min(labels.Length, SelectionWindow);
        if (count < MinimumForSelection)
        {
            return SmallSamplePenalty;
        }

        var first = labels.Length - count;
        var split = first + (int)(count * (1 - HeldOutShare));
        var trainRows = rows.AsSpan(first * width, (split - first) * width);
        var trainLabels = labels.AsSpan(first, split - first);
        var best = SmallSamplePenalty;
        var bestLoss = double.PositiveInfinity;
        foreach (var penalty in Penalties)
        {
            var model = LogisticRegression.Fit(trainRows, trainLabels, width, penalty, options.MaxIterations, prior);
            double loss = 0;
            for (var i = split; i < labels.Length; i++)
            {
                var p = Math.Clamp(model.Predict(rows.AsSpan(i * width, width)), 1e-6, 1 - 1e-6);
                loss -= labels[i] ? Math.Log(p) : Math.Log(1 - p);
            }

            if (loss < bestLoss)
            {
                (best, bestLoss) = (penalty, loss);
            }
        }

        return best;
    }
}
