using System.Diagnostics;

namespace Dsp.Functions.Tests;

/// <summary>
/// A discrete-event clock for driving the real orchestrator like the simulator's virtual clock: time stands still
/// while the system is busy, and once it has settled — the orchestrator waits on exactly the calls that hold
/// timers here, and nothing happened for a quiet spell — it jumps to the next timer that is due and fires it
/// alone. Replay agents on this clock finish (or are cancelled) at exactly the virtual instants the simulator
/// computes.
/// </summary>
internal sealed class VirtualClock : TimeProvider
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Lock _lock = new();
    private readonly List<Timer> _timers = [];
    private long _now;          // virtual ticks since the epoch
    private long _sequence;
    private long _lastActivity = Stopwatch.GetTimestamp();

    public override DateTimeOffset GetUtcNow() => Epoch + TimeSpan.FromTicks(Interlocked.Read(ref _now));

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _now);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Advances time event by event until <paramref name="stop"/> fires.</summary>
    /// <param name="settled">Whether the orchestrator waits on exactly this many calls (the pending timers).</param>
    /// <param name="quiet">Real time without any timer change before the clock moves.</param>
    /// <param name="stop">Ends the clock.</param>
    public async Task RunAsync(Func<int, Task<bool>> settled, TimeSpan quiet, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(quiet / 5, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            int pending;
            lock (_lock)
            {
                pending = _timers.Count;
            }

            if (pending == 0 || !await settled(pending))
            {
                continue;
            }

            Timer? next;
            lock (_lock)
            {
                if (Stopwatch.GetElapsedTime(_lastActivity) < quiet || _timers.Count != pending)
                {
                    continue;
                }

                next = _timers.MinBy(t => (t.Due, t.Sequence))!;
                _timers.Remove(next);
                Interlocked.Exchange(ref _now, Math.Max(_now, next.Due));
                _lastActivity = Stopwatch.GetTimestamp();
            }

            next.Fire();
        }
    }

    private void Schedule(Timer timer, TimeSpan dueTime)
    {
        lock (_lock)
        {
            _timers.Remove(timer);
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                timer.Due = _now + dueTime.Ticks;
                timer.Sequence = _sequence++;
                _timers.Add(timer);
            }

            _lastActivity = Stopwatch.GetTimestamp();
        }
    }

    private void Cancel(Timer timer)
    {
        lock (_lock)
        {
            _timers.Remove(timer);
            _lastActivity = Stopwatch.GetTimestamp();
        }
    }

    private sealed class Timer(VirtualClock clock, TimerCallback callback, object? state) : ITimer
    {
        public long Due { get; set; }

        public long Sequence { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            clock.Schedule(this, dueTime);
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose() => clock.Cancel(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
