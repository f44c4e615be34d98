namespace Dsp.Reliability.Tests;

/// <summary>How many of something are in flight, and the most that were at once. Thread-safe.</summary>
internal sealed class InFlightCounter
{
    private int _now;
    private int _peak;

    /// <summary>The most in flight at once so far.</summary>
    public int Peak => Volatile.Read(ref _peak);

    public void Enter()
    {
        var now = Interlocked.Increment(ref _now);
        int peak;
        while ((peak = Volatile.Read(ref _peak)) < now && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
        {
        }
    }

    public void Exit() => Interlocked.Decrement(ref _now);
}
