namespace Dsp.Core.Planning;

/// <summary>Which agent made a call: the cheap drafter that guesses ahead, or the target that decides.</summary>
public enum AgentRole
{
    Draft,
    Target,
}
