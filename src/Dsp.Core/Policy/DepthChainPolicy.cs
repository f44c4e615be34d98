using Dsp.Core.Simulation;

namespace Dsp.Core.Policy;

/// <summary>
/// A policy that fixes the depth k at the round's start (fixed-k, the oracle, the recorded depths, DSP's τ/β) as a
/// chain policy: draft when k ≥ 1, and go on while fewer than k drafts were started.
/// </summary>
public sealed class DepthChainPolicy(IDepthPolicy depths) : ISpeculationPolicy
{
    public ChainDecision AtRoundStart(in RoundStartRequest request)
    {
        var depth = depths.ChooseDepth(new DepthRequest(request.State, request.Round));
        return new ChainDecision(depth > 0, ChainMemo.Start with { Depth = depth });
    }

    public ChainDecision AfterDraft(in DraftFinishedRequest request) =>
        new(request.DraftsStarted < request.Memo.Depth, request.Memo);
}
