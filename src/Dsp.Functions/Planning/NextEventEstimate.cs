using Dsp.Core.Planning;

namespace Dsp.Functions.Planning;

/// <summary>
/// When a running plan's next call is expected to finish: each call in flight is expected to take as long as the
/// plan's finished calls of its role took on average (of either role while none of its own has finished). Cancelled
/// calls are left out: they stopped early. What <c>Retry-After</c> of <c>GET /api/plans/{id}</c> follows.
/// </summary>
public static class NextEventEstimate
{
    /// <param name="inFlight">The calls the plan waits on: role and start (UTC).</param>
    /// <param name="finished">The plan's finished calls: role and usage.</param>
    /// <returns>The earliest expected finish; null when nothing is in flight or no call has finished yet.</returns>
    public static DateTimeOffset? Of(IEnumerable<(AgentRole Role, DateTime StartedAt)> inFlight, IEnumerable<(AgentRole Role, CallUsage Usage)> finished)
    {
        ArgumentNullException.ThrowIfNull(inFlight);
        ArgumentNullException.ThrowIfNull(finished);
        var latencies = finished.Where(f => !f.Usage.Cancelled).ToLookup(f => f.Role, f => f.Usage.LatencySeconds);
        if (latencies.Count == 0)
        {
            return null;
        }

        var overall = latencies.SelectMany(l => l).Average();
        DateTimeOffset? next = null;
        foreach (var (role, startedAt) in inFlight)
        {
            var expected = latencies.Contains(role) ? latencies[role].Average() : overall;
            var finish = new DateTimeOffset(DateTime.SpecifyKind(startedAt, DateTimeKind.Utc)).AddSeconds(expected);
            if (next is null || finish < next)
            {
                next = finish;
            }
        }

        return next;
    }
}
