namespace Dsp.Core.Runs;

/// <summary>
/// One attempt at a model call: what a cancellation names. A durable driver makes a call again when its attempt was
/// cancelled by a decision the driver never made — a cancellation written by an orchestration episode whose worker died
/// before the episode was committed, and which its replay decided otherwise; each attempt is cancelled on its own.
/// </summary>
/// <param name="Call">The call.</param>
/// <param name="Attempt">How often the call was made before this attempt (0: the first).</param>
public readonly record struct CallAttempt(CallKey Call, int Attempt = 0)
{
    /// <summary>The first attempt at <paramref name="call"/>.</summary>
    public static implicit operator CallAttempt(CallKey call) => new(call);

    /// <summary><c>r001-d004</c> for a first attempt, <c>r001-d004-a1</c> for the next.</summary>
    public override string ToString() => Attempt == 0 ? Call.ToString() : $"{Call}-a{Attempt}";
}
