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
    /// <param name="finished">The latencies of the plan's finished calls.</param>
    /// <returns>The earliest expected finish; null when nothing is in flight or no call has finished yet.</returns>
    public static DateTimeOffset? Of(IEnumerable<(AgentRole Role, DateTime StartedAt)> inFlight, CallLatencies finished)
    {
        ArgumentNullException.ThrowIfNull(inFlight);
        if (finished.Drafts + finished.Targets == 0)
        {
            return null;
        }

        DateTimeOffset? next = null;
        foreach (var (role, startedAt) in inFlight)
        {
            var finish = new DateTimeOffset(DateTime.SpecifyKind(startedAt, DateTimeKind.Utc)).AddSeconds(finished.ExpectedSeconds(role));
            if (next is null || finish < next)
            {
                next = finish;
            }
        }

        return next;
    }
}

/// <summary>The latencies of a plan's finished calls, by role (cancelled calls left out).</summary>
/// <param name="DraftSeconds">The finished drafts' latencies, added up.</param>
/// <param name="Drafts">How many drafts finished.</param>
/// <param name="TargetSeconds">The finished targets' latencies, added up.</param>
/// <param name="Targets">How many targets finished.</param>
public readonly record struct CallLatencies(double DraftSeconds, int Drafts, double TargetSeconds, int Targets)
{
    /// <summary>These latencies and the call's, unless it was cancelled.</summary>
    public CallLatencies With(AgentRole role, CallUsage usage) => usage.Cancelled ? this
        : role == AgentRole.Draft ? this with { DraftSeconds = DraftSeconds + usage.LatencySeconds, Drafts = Drafts + 1 }
        : this with { TargetSeconds = TargetSeconds + usage.LatencySeconds, Targets = Targets + 1 };

    /// <summary>The mean latency of the role's finished calls, or of all finished calls while none of the role has.</summary>
    public double ExpectedSeconds(AgentRole role) => (role == AgentRole.Draft ? Drafts : Targets) switch
    {
        0 => (DraftSeconds + TargetSeconds) / (Drafts + Targets),
        var count => (role == AgentRole.Draft ? DraftSeconds : TargetSeconds) / count,
    };
}
