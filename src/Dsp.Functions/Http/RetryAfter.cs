using Dsp.Functions.Planning;

namespace Dsp.Functions.Http;

/// <summary>
/// The <c>Retry-After</c> of a running plan, in whole seconds: until its next call is expected to finish
/// (<see cref="PlanProgress.NextEventAt"/>), at least <see cref="MinSeconds"/> (a call late on its estimate, or no
/// estimate yet) and at most <see cref="MaxSeconds"/> (a client learns of a stop or a failure soon enough).
/// </summary>
public static class RetryAfter
{
    public const int MinSeconds = 1;

    public const int MaxSeconds = 30;

    public static int While(PlanProgress? progress, DateTimeOffset now) => progress?.NextEventAt is { } next
        ? (int)Math.Clamp(Math.Ceiling((next - now).TotalSeconds), MinSeconds, MaxSeconds)
        : MinSeconds;
}
