using System.Globalization;
using Microsoft.AspNetCore.Mvc;

namespace Dsp.Functions.Http;

/// <summary>202 Accepted for a long-running plan: the status URL in <c>Location</c>, and in <c>Retry-After</c> how many
/// seconds to wait before asking it.</summary>
public sealed class PlanAcceptedResult(string location, object value, int retryAfterSeconds) : AcceptedResult(location, value)
{
    public int RetryAfterSeconds { get; } = retryAfterSeconds;

    public override void OnFormatting(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        base.OnFormatting(context);
        context.HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
    }
}
