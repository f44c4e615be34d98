namespace Dsp.Storage;

/// <summary>
/// Runs an asynchronous action once per instance however many callers ask at once; a failed or cancelled run is
/// retried by the next caller. The action runs without the callers' cancellation, so one caller giving up does not
/// fail the others.
/// </summary>
internal sealed class OnceAsync(Func<Task> action)
{
    private Lazy<Task>? _run;

    public Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var run = Volatile.Read(ref _run);
            if (run is null || (run.IsValueCreated && (run.Value.IsFaulted || run.Value.IsCanceled)))
            {
                // The async wrapper turns an exception thrown before the action's first await into a faulted task, which the
                // next caller replaces (a Lazy would cache the exception for good).
                var fresh = new Lazy<Task>(async () => await action().ConfigureAwait(false), LazyThreadSafetyMode.ExecutionAndPublication);
                if (Interlocked.CompareExchange(ref _run, fresh, run) != run)
                {
                    continue;
                }

                run = fresh;
            }

            return run.Value.WaitAsync(cancellationToken);
        }
    }
}
