using Dsp.Core.Costs;
using Dsp.Core.Planning;
using Dsp.Core.Policy;

namespace Dsp.Core.Acceptance;

/// <summary>The adaptive policy's knob and what it needs to price calls.</summary>
public sealed record AdaptiveSettings
{
    /// <summary>The user's knob: dollars one second of plan latency saved is worth.</summary>
    public required double ValueOfTime { get; init; }

    public required ModelPrice DraftPrice { get; init; }

    public required ModelPrice TargetPrice { get; init; }

    /// <summary>What a cancelled call is billed (streamed calls stop generating when cancelled).</summary>
    public CancelledCallBilling Billing { get; init; } = CancelledCallBilling.ProducedTokens;

    /// <summary>Before any training: go on while fewer than this many drafts were started (and further where the
    /// <see cref="ColdStartEvidence"/>, when given, says it pays).</summary>
    public int ColdStartDepth { get; init; } = 2;

    /// <summary>Throws when a setting is out of range.</summary>
    public AdaptiveSettings Validated()
    {
        if (!double.IsFinite(ValueOfTime) || ValueOfTime < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ValueOfTime), ValueOfTime, "The value of time is a finite number of dollars per second, at least 0.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(ColdStartDepth);
        return this;
    }
}

/// <summary>
/// Draft-aware speculation: after each draft, the chain goes on iff the expected seconds saved × the value of time
/// cover the expected dollars of the next draft and target calls going to waste. Going on starts the next target
/// now instead of when the current one finishes — it saves that remaining time if every draft of the chain so far is
/// accepted (probability q, the product of the acceptance model's predictions along the chain); otherwise both new
/// calls are cancelled when the mismatch is found, paying the draft, the target's prompt and what it produced by then.
/// With a perfect acceptance model this is the oracle. Before a round's first draft, the round drafts iff the
/// probability that the draft will be accepted × the seconds it can save × the value of time covers the draft's
/// cost (else the target runs alone, depth 0). Expected seconds and tokens are the model's running averages, dollars
/// the profile's prices. Before any training it chains a fixed number of drafts, so that there are drafts to learn
/// from at any value of time, and — given the evidence of the runs so far — further wherever the same rule, with the
/// acceptance rate seen so far for every draft, says going on pays.
/// </summary>
public sealed class AdaptivePolicy : ISpeculationPolicy
{
    private readonly AcceptanceModel? _model;
    private readonly AdaptiveSettings _settings;
    private readonly ColdStartEvidence? _coldStart;

    /// <param name="model">The acceptance model; null before any training.</param>
    /// <param name="settings">The knob and prices.</param>
    /// <param name="coldStart">Without a model: what the runs so far showed, or null if there were none.</param>
    public AdaptivePolicy(AcceptanceModel? model, AdaptiveSettings settings, ColdStartEvidence? coldStart = null)
    {
        _model = model;
        _settings = settings.Validated();
        _coldStart = coldStart;
    }

    public ChainDecision AtRoundStart(in RoundStartRequest request)
    {
        if (_model is null)
        {
            return new ChainDecision(_settings.ColdStartDepth > 0, ChainMemo.Start with { Depth = _settings.ColdStartDepth });
        }

        var (draft, target) = (_model.Statistics.Draft, _model.Statistics.Target);
        var acceptance = _model.PredictBeforeDraft(request.State);
        var saved = Math.Max(0, target.LatencySeconds - draft.LatencySeconds);
        var draftCost = Cost(_settings.DraftPrice, draft.PromptTokensAt(request.State.Position), draft.CompletionTokens);
        return new ChainDecision(acceptance * saved * _settings.ValueOfTime >= draftCost, ChainMemo.Start, acceptance);
    }

    public ChainDecision AfterDraft(in DraftFinishedRequest request)
    {
        if (_model is not null)
        {
            return Decide(request, _model.Predict(request.State, request.Draft), _model.Statistics);
        }

        var coldStartDepthLeft = request.DraftsStarted < request.Memo.Depth;
        if (_coldStart is null)
        {
            return new ChainDecision(coldStartDepthLeft, request.Memo);
        }

        var decision = Decide(request, _coldStart.AcceptanceRate, _coldStart.Statistics);
        return decision with { GoOn = decision.GoOn || coldStartDepthLeft };
    }

    private ChainDecision Decide(in DraftFinishedRequest request, double acceptance, CallStatistics statistics)
    {
        var chain = request.Memo.ChainAcceptance * acceptance;
        var (draft, target) = (statistics.Draft, statistics.Target);

        // An accepted TERMINATE ends the plan: nothing chained on it can save time.
        var saved = PlanSteps.IsTerminate(request.Draft) ? 0 : Math.Max(0, target.LatencySeconds - request.DraftSeconds);
        var next = request.State.Position + 1;
        var produced = _settings.Billing == CancelledCallBilling.FullCompletion || target.LatencySeconds <= 0
            ? 1
            : Math.Min(1, saved / target.LatencySeconds);
        var waste = Cost(_settings.DraftPrice, draft.PromptTokensAt(next), draft.CompletionTokens)
            + Cost(_settings.TargetPrice, target.PromptTokensAt(next), target.CompletionTokens * produced);
        var goOn = saved > 0 && chain * saved * _settings.ValueOfTime >= (1 - chain) * waste;
        return new ChainDecision(goOn, request.Memo with { ChainAcceptance = chain }, acceptance);
    }

    private static double Cost(ModelPrice price, double promptTokens, double completionTokens) =>
        ((promptTokens * price.PromptPerMillion) + (completionTokens * price.CompletionPerMillion)) / 1_000_000.0;
}
