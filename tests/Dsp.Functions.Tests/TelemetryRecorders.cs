using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dsp.Functions.Telemetry;

namespace Dsp.Functions.Tests;

/// <summary>
/// Every span of the app's activity source, and of the durable worker's, started while it listens (a span's tags and
/// end are read once the plan is done). Listeners are process-wide and tests run in parallel: read the spans of one
/// run with <see cref="OfRun"/>.
/// </summary>
internal sealed class SpanRecorder : IDisposable
{
    /// <summary>The durable worker's source: its activity spans are the parents of the app's.</summary>
    private const string DurableSourceName = "Microsoft.DurableTask";

    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;

    public SpanRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is PlanTracing.ActivitySourceName or DurableSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The run's spans named <paramref name="name"/>.</summary>
    public List<Activity> OfRun(string runId, string name) =>
        [.. _spans.Where(s => s.OperationName == name && Equals(s.GetTagItem("dsp.run_id"), runId))];

    /// <summary>The name of a span's parent, if it was recorded.</summary>
    public string? ParentName(Activity span) =>
        _spans.FirstOrDefault(s => s.TraceId == span.TraceId && s.SpanId == span.ParentSpanId)?.OperationName;

    public void Dispose() => _listener.Dispose();
}

/// <summary>
/// The measurements of the meters one service provider created: the host's own, whatever other tests' hosts record.
/// </summary>
internal sealed class MetricRecorder : IDisposable
{
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();
    private readonly MeterListener _listener = new();

    public MetricRecorder(IMeterFactory meters)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == meters)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>The values recorded on an instrument, in order.</summary>
    public List<double> Values(string instrument) => [.. _measurements.Where(m => m.Instrument == instrument).Select(m => m.Value)];

    /// <summary>The tags of each measurement of an instrument, in order.</summary>
    public List<Dictionary<string, object?>> Tags(string instrument) => [.. _measurements.Where(m => m.Instrument == instrument).Select(m => m.Tags)];

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _measurements.Enqueue((instrument.Name, value, new Dictionary<string, object?>(tags.ToArray())));

    public void Dispose() => _listener.Dispose();
}
