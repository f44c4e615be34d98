namespace Dsp.Core.Simulation;

/// <summary>Chooses how deep the next round speculates.</summary>
public interface IDepthPolicy
{
    /// <summary>The depth of the round about to start: the number of drafts to chain (0: the target alone).</summary>
    int ChooseDepth(in DepthRequest request);
}

/// <summary>What a policy knows when a round is about to start.</summary>
/// <param name="Task">The user's task.</param>
/// <param name="Verified">The plan verified so far.</param>
/// <param name="Round">The round's number in the plan, from 0.</param>
public readonly record struct DepthRequest(string Task, IReadOnlyList<string> Verified, int Round)
{
    /// <summary>The position the round starts at.</summary>
    public int Position => Verified.Count;
}
