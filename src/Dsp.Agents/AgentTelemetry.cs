using System.ClientModel;
using System.Diagnostics.Metrics;
using System.Globalization;
using Polly.Timeout;

namespace Dsp.Agents;

/// <summary>
/// The live agents' OpenTelemetry metrics (meter <c>Dsp.Agents</c>); names are stable and documented in the README.
/// A static meter: agents are built outside dependency injection (the app, <c>dsp plan</c>, the tests).
/// </summary>
public static class AgentTelemetry
{
    /// <summary>The meter's name, to subscribe to (e.g. <c>AddMeter</c>).</summary>
    public const string MeterName = "Dsp.Agents";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "dsp.model.retries", "{retry}", "Retries of model requests after a transient failure, by deployment and reason");

    /// <summary>Counts one retry of a request to <paramref name="deployment"/> that failed with <paramref name="failure"/>.</summary>
    internal static void RecordRetry(string deployment, Exception? failure) => Retries.Add(
        1,
        new KeyValuePair<string, object?>("dsp.deployment", deployment),
        new KeyValuePair<string, object?>("dsp.retry.reason", Reason(failure)));

    /// <summary>The HTTP status the service answered, else <c>timeout</c> (the attempt timeout) or <c>network</c>
    /// (no answer: the connection failed or broke off).</summary>
    private static string Reason(Exception? failure) => failure switch
    {
        ClientResultException { Status: > 0 } e => e.Status.ToString(CultureInfo.InvariantCulture),
        TimeoutRejectedException => "timeout",
        _ => "network",
    };
}
