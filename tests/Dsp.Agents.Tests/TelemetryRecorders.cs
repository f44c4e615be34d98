using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dsp.Functions.Telemetry;

namespace Dsp.Agents.Tests;

/// <summary>
/// The <c>dsp.model.retries</c> measurements of one deployment. The meter is static and tests run in parallel: give
/// each test a deployment of its own.
/// </summary>
internal sealed class RetryRecorder : IDisposable
{
    private readonly ConcurrentQueue<string> _reasons = new();
    private readonly MeterListener _listener = new();

    public RetryRecorder(string deployment)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == AgentTelemetry.MeterName && instrument.Name == "dsp.model.retries")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var tagged = tags.ToArray().ToDictionary();
            if (Equals(tagged["dsp.deployment"], deployment))
            {
                for (var i = 0; i < value; i++)
                {
                    _reasons.Enqueue((string)tagged["dsp.retry.reason"]!);
                }
            }
        });
        _listener.Start();
    }

    /// <summary>The reason of each retry, in order.</summary>
    public IReadOnlyList<string> Reasons => [.. _reasons];

    public void Dispose() => _listener.Dispose();
}

/// <summary>The app's spans stopped while it listens; read those of one run.</summary>
internal sealed class SpanRecorder : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly List<(Func<Activity, bool> Match, TaskCompletionSource Stopped)> _waiters = [];
    private readonly ActivityListener _listener;

    public SpanRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PlanTracing.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Stopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Completes once a span that <paramref name="match"/> accepts has stopped.</summary>
    public Task WhenStopped(Func<Activity, bool> match)
    {
        lock (_waiters)
        {
            if (_spans.Any(match))
            {
                return Task.CompletedTask;
            }

            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, stopped));
            return stopped.Task;
        }
    }

    public List<Activity> OfRun(string runId, string name) =>
        [.. _spans.Where(s => s.OperationName == name && Equals(s.GetTagItem("dsp.run_id"), runId))];

    private void Stopped(Activity span)
    {
        lock (_waiters)
        {
            _spans.Enqueue(span);
            foreach (var waiter in _waiters.Where(w => w.Match(span)).ToList())
            {
                waiter.Stopped.SetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
