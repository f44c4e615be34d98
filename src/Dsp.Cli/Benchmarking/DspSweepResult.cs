using Dsp.Core.Simulation;

namespace Dsp.Cli.Benchmarking;

/// <summary>What a <see cref="DspSweep"/> produced.</summary>
/// <param name="Sweep">The sweep run.</param>
/// <param name="Streams">One result per setting, in the sweep's order.</param>
/// <param name="WallTime">Wall time of the whole sweep: every stream, in parallel, training included.</param>
internal sealed record DspSweepResult(DspSweep Sweep, IReadOnlyList<OnlineDspResult> Streams, TimeSpan WallTime)
{
    /// <summary>Tasks each stream ran: every trace, every pass.</summary>
    public int TasksPerStream => Streams[0].Summary.Tasks;
}
