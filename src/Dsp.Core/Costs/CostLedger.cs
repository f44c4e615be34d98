using Dsp.Core.Engine;
using Dsp.Core.Planning;

namespace Dsp.Core.Costs;

/// <summary>
/// Adds up what a plan's calls cost, and which of it was unnecessary (DESIGN.md): rejected drafts, and every call
/// for a position beyond what its round verified. Record each call, then close each round with its outcome.
/// </summary>
public sealed class CostLedger(ModelPrice draftPrice = default, ModelPrice targetPrice = default)
{
    private readonly List<(AgentRole Role, int Position, double Cost)> _openRound = [];

    public double TotalUsd { get; private set; }

    public double UnnecessaryUsd { get; private set; }

    public double DraftUsd { get; private set; }

    public double TargetUsd { get; private set; }

    public int Calls { get; private set; }

    public int CancelledCalls { get; private set; }

    public long PromptTokens { get; private set; }

    public long CompletionTokens { get; private set; }

    /// <summary>The cost of a call by <paramref name="role"/> with this usage.</summary>
    public double CostOf(AgentRole role, in CallUsage usage) =>
        (role == AgentRole.Draft ? draftPrice : targetPrice).Cost(usage.PromptTokens, usage.CompletionTokens);

    /// <summary>Records a finished, failed or cancelled call of the open round; returns its cost.</summary>
    public double Record(AgentRole role, int position, in CallUsage usage) => Record(role, position, usage, CostOf(role, usage));

    /// <summary>Records a call whose cost was already worked out (by the agent that made it); returns that cost.</summary>
    public double Record(AgentRole role, int position, in CallUsage usage, double cost)
    {
        TotalUsd += cost;
        if (role == AgentRole.Draft)
        {
            DraftUsd += cost;
        }
        else
        {
            TargetUsd += cost;
        }

        Calls++;
        CancelledCalls += usage.Cancelled ? 1 : 0;
        PromptTokens += usage.PromptTokens;
        CompletionTokens += usage.CompletionTokens;
        _openRound.Add((role, position, cost));
        return cost;
    }

    /// <summary>Classifies the open round's calls by the round's outcome, and opens the next round.</summary>
    public void CloseRound(in RoundOutcome round)
    {
        var firstUnverified = round.Start + round.Verified;
        foreach (var (role, position, cost) in _openRound)
        {
            if (position >= firstUnverified || (position == round.RejectedPosition && role == AgentRole.Draft))
            {
                UnnecessaryUsd += cost;
            }
        }

        _openRound.Clear();
    }

    /// <summary>Forgets everything, for the next plan.</summary>
    public void Reset()
    {
        _openRound.Clear();
        TotalUsd = UnnecessaryUsd = DraftUsd = TargetUsd = 0;
        Calls = CancelledCalls = 0;
        PromptTokens = CompletionTokens = 0;
    }
}
