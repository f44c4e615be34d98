using System.Diagnostics;
using Dsp.Core.Runs;

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

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        CreateTimer(null, callback, state, dueTime, onCancelled: null);

    /// <summary>This clock as seen by one call: its timers are known to belong to <paramref name="call"/>.</summary>
    public TimeProvider For(CallKey call) => new CallClock(this, call);

    private Timer CreateTimer(CallKey? call, TimerCallback callback, object? state, TimeSpan dueTime, Action<long>? onCancelled)
    {
        var timer = new Timer(this, call, callback, state, onCancelled);
        timer.Change(dueTime, Timeout.InfiniteTimeSpan);
        return timer;
    }

    /// <summary>Advances time event by event until <paramref name="stop"/> fires.</summary>
    /// <param name="settled">Whether the orchestrator waits on exactly these calls (those with pending timers).</param>
    /// <param name="quiet">Real time without any timer change before the clock moves.</param>
    /// <param name="stop">Ends the clock.</param>
    public async Task RunAsync(Func<IReadOnlySet<CallKey?>, Task<bool>> settled, TimeSpan quiet, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(quiet / 2, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            HashSet<CallKey?> pending;
            long seen;
            lock (_lock)
            {
                pending = [.. _timers.Select(t => t.Call)];
                seen = _lastActivity;
            }

            if (pending.Count == 0 || !await settled(pending))
            {
                continue;
            }

            Timer? next;
            lock (_lock)
            {
                if (Stopwatch.GetElapsedTime(_lastActivity) < quiet || _lastActivity != seen)
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
            if (_timers.Remove(timer))
            {
                timer.OnCancelled?.Invoke(_now);
            }

            _lastActivity = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>
    /// A call's view of the clock, which stops at the instant one of the call's timers is cancelled before it fires: the
    /// cancelled call bills the time it ran until then, even when its code reads the clock after the clock moved on.
    /// Without it, a continuation delayed past the quiet spell on a loaded machine read a later instant.
    /// </summary>
    private sealed class CallClock(VirtualClock clock, CallKey call) : TimeProvider
    {
        private long _stoppedAt = -1;

        public override DateTimeOffset GetUtcNow() => Epoch + TimeSpan.FromTicks(GetTimestamp());

        public override long TimestampFrequency => clock.TimestampFrequency;

        public override long GetTimestamp() => Interlocked.Read(ref _stoppedAt) is >= 0 and var stopped ? stopped : clock.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            clock.CreateTimer(call, callback, state, dueTime, onCancelled: at => Interlocked.CompareExchange(ref _stoppedAt, at, -1));
    }

    private sealed class Timer(VirtualClock clock, CallKey? call, TimerCallback callback, object? state, Action<long>? onCancelled) : ITimer
    {
        public CallKey? Call => call;

        /// <summary>Told the virtual instant when the timer is cancelled before it fires.</summary>
        public Action<long>? OnCancelled => onCancelled;

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
