using Dsp.Core.Acceptance;

namespace Dsp.Cli.Benchmarking;

/// <summary>The adaptive policy's part of a bench run: one independent online-learning stream per value of time.</summary>
/// <param name="ValuesOfTime">The values of time, rising, in the order their rows appear.</param>
/// <param name="Options">Passes, retraining, cold start and initial model, shared by every stream.</param>
/// <param name="Position">Where the adaptive rows go among the other rows (where <c>--policies</c> names adaptive).</param>
internal sealed record AdaptiveSweep(IReadOnlyList<double> ValuesOfTime, AdaptiveLearningOptions Options, int Position);

/// <summary>What an <see cref="AdaptiveSweep"/> produced.</summary>
/// <param name="Sweep">The sweep run.</param>
/// <param name="Streams">One result per value of time, in the sweep's order.</param>
/// <param name="WallTime">Wall time of the whole sweep: every stream, in parallel, training included.</param>
internal sealed record AdaptiveSweepResult(AdaptiveSweep Sweep, IReadOnlyList<OnlineAdaptiveResult> Streams, TimeSpan WallTime);
