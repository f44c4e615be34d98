namespace Dsp.Core.Simulation;

/// <summary>
/// Runs independent online-learning streams (one per setting of a sweep) in parallel, each reporting its finished
/// tasks into one shared count.
/// </summary>
internal static class ParallelStreams
{
    /// <summary>Runs <paramref name="run"/> once per setting, in parallel; the results keep the settings' order.</summary>
    public static TResult[] Run<TSetting, TResult>(
        IReadOnlyList<TSetting> settings, IProgress<int>? progress, Func<TSetting, IProgress<int>?, TResult> run)
    {
        var results = new TResult[settings.Count];
        var counter = progress is null ? null : new TaskCounter(progress);
        Parallel.For(0, settings.Count, i => results[i] = run(settings[i], counter));
        return results;
    }

    /// <summary>Turns each stream's "one task done" into the running total over all streams.</summary>
    private sealed class TaskCounter(IProgress<int> total) : IProgress<int>
    {
        private int _done;

        public void Report(int value) => total.Report(Interlocked.Increment(ref _done));
    }
}
