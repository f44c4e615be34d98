namespace Dsp.Core.Acceptance;

/// <summary>
/// Logistic regression on a few dense features with a Gaussian prior on the weights (an L2 penalty toward a prior
/// mean), fitted to the posterior mode by Newton's method (iteratively reweighted least squares): exact,
/// deterministic and fast for tens of features over hundreds of thousands of rows.
/// </summary>
/// <param name="Weights">The fitted weights; the first is the bias.</param>
internal sealed record LogisticRegression(double[] Weights)
{
    private const double Tolerance = 1e-7;


    /// <summary>Fits the weights.</summary>
    /// <param name="rows">The features, row after row (<paramref name="width"/> values each; the first is the bias, 1).</param>
    /// <param name="labels">Each row's outcome.</param>
    /// <param name="width">Features per row.</param>
    /// <param name="l2">The prior's precision λ: the penalty λ·|w − w₀|²/2 on every weight but the bias.</param>
    /// <param name="maxIterations">Newton steps at most.</param>
    /// <param name="priorMean">The prior's mean w₀ (zero when empty), where the fit also starts.</param>
    public static LogisticRegression Fit(
        ReadOnlySpan<double> rows, ReadOnlySpan<bool> labels, int width, double l2, int maxIterations = 50, ReadOnlySpan<double> priorMean = default)
    {
        var prior = priorMean.IsEmpty ? new double[width] : priorMean.ToArray();
        var weights = (double[])prior.Clone();
        var gradient = new double[width];
        var hessian = new double[width * width];
        for (var iteration = 0; ; iteration++)
        {
            Array.Clear(gradient);
            Array.Clear(hessian);
            for (var i = 0; i < labels.Length; i++)
            {
                var x = rows.Slice(i * width, width);
                var p = Sigmoid(Dot(weights, x));
                var residual = p - (labels[i] ? 1 : 0);
                var curvature = Math.Max(p * (1 - p), 1e-12);
                for (var a = 0; a < width; a++)
                {
                    if (x[a] == 0)
                    {
                        continue;
                    }

                    gradient[a] += residual * x[a];
                    var scaled = curvature * x[a];
                    for (var b = 0; b <= a; b++)
                    {
                        hessian[(a * width) + b] += scaled * x[b];
                    }
                }
            }

            for (var a = 0; a < width; a++)
            {
                var penalty = a == 0 ? 1e-6 : l2;
                gradient[a] += penalty * (weights[a] - prior[a]);
                hessian[(a * width) + a] += penalty;
            }

            var step = Solve(Cholesky(hessian, width), gradient, width);
            double change = 0;
            for (var a = 0; a < width; a++)
            {
                weights[a] -= step[a];
                change = Math.Max(change, Math.Abs(step[a]));
            }

            if (change < Tolerance || iteration + 1 == maxIterations)
            {
                return new LogisticRegression(weights);
            }
        }
    }

    /// <summary>The probability that features <paramref name="x"/> belong to an accepted draft.</summary>
    public double Predict(ReadOnlySpan<double> x) => Sigmoid(Dot(Weights, x));

    public static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    public static double Dot(ReadOnlySpan<double> weights, ReadOnlySpan<double> x)
    {
        double z = 0;
        for (var a = 0; a < weights.Length; a++)
        {
            z += weights[a] * x[a];
        }

        return z;
    }

    /// <summary>The Cholesky factor L (H = L·Lᵀ) of a positive definite H, reading its lower triangle (row-major).</summary>
    private static double[] Cholesky(double[] h, int n)
    {
        var l = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = h[(i * n) + j];
                for (var k = 0; k < j; k++)
                {
                    sum -= l[(i * n) + k] * l[(j * n) + k];
                }

                l[(i * n) + j] = i == j ? Math.Sqrt(Math.Max(sum, 1e-12)) : sum / l[(j * n) + j];
            }
        }

        return l;
    }

    /// <summary>Solves L·Lᵀ·s = g.</summary>
    private static double[] Solve(double[] l, ReadOnlySpan<double> g, int n)
    {
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            var sum = g[i];
            for (var k = 0; k < i; k++)
            {
                sum -= l[(i * n) + k] * y[k];
            }

            y[i] = sum / l[(i * n) + i];
        }

        var s = new double[n];
        for (var i = n - 1; i >= 0; i--)
        {
            var sum = y[i];
            for (var k = i + 1; k < n; k++)
            {
                sum -= l[(k * n) + i] * s[k];
            }

            s[i] = sum / l[(i * n) + i];
        }

        return s;
    }
}
