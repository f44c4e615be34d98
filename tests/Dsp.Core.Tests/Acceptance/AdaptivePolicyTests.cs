using Dsp.Core.Acceptance;
using Dsp.Core.Costs;
using Dsp.Core.Policy;

namespace Dsp.Core.Tests.Acceptance;

public class AdaptivePolicyTests
{
    private static readonly AcceptanceModel Model = AcceptanceTraining.Model();

    private static AdaptivePolicy Policy(double valueOfTime, AcceptanceModel? model = null) => new(model ?? Model, new AdaptiveSettings
    {
        ValueOfTime = valueOfTime,
        DraftPrice = new ModelPrice(10, 30),
        TargetPrice = new ModelPrice(10, 30),
    });

    private static ChainDecision After(AdaptivePolicy policy, string task, int position, string draft, double chain = 1) =>
        policy.AfterDraft(new DraftFinishedRequest(AcceptanceTraining.State(task, position), 0, draft, 1.0, ChainMemo.Start with { ChainAcceptance = chain }));

    [Fact]
    public void A_draft_likely_accepted_chains_on_and_one_likely_rejected_stops()
    {
        var policy = Policy(0.01);

        Assert.True(After(policy, "easy task", 1, "step 1").GoOn);
        Assert.False(After(policy, "hard task", 1, "wrong").GoOn);
    }

    [Fact]
    public void The_chain_carries_the_probability_that_every_draft_so_far_is_accepted()
    {
        var decision = After(Policy(0.01), "easy task", 1, "step 1", chain: 0.5);

        Assert.Equal(0.5 * decision.Acceptance!.Value, decision.Memo.ChainAcceptance, 12);
    }

    [Fact]
    public void The_chain_goes_on_exactly_when_the_expected_seconds_saved_times_the_value_of_time_cover_the_expected_waste()
    {
        // Position 1 of an easy run: q is the model's; the target takes 8 s (the draft 1 s, so 7 s are at stake); a
        // mismatch would waste the next draft (300 + 10 tokens) and the next target's prompt (900 tokens) and the
        // 7/8 of its 200 completion tokens it would have streamed, at $10/$30 per million.
        var q = Model.Predict(AcceptanceTraining.State("easy task", 1), "step 1");
        var waste = ((300 * 10) + (10 * 30) + (900 * 10) + (200 * 7.0 / 8 * 30)) / 1e6;
        var breakEven = (1 - q) * waste / (q * 7);

        Assert.True(After(Policy(breakEven * 1.01), "easy task", 1, "step 1").GoOn);
        Assert.False(After(Policy(breakEven * 0.99), "easy task", 1, "step 1").GoOn);
    }

    [Fact]
    public void Nothing_is_chained_on_a_drafted_terminate()
    {
        Assert.False(After(Policy(1000), "easy task", 1, "TERMINATE").GoOn);
    }

    [Fact]
    public void A_round_drafts_when_time_is_worth_the_drafts_cost_and_runs_the_target_alone_when_not()
    {
        var start = new RoundStartRequest(AcceptanceTraining.State("easy task", 1), 0);

        Assert.True(Policy(1).AtRoundStart(start).GoOn);
        Assert.False(Policy(0).AtRoundStart(start).GoOn);
    }

    [Fact]
    public void Untrained_it_chains_the_cold_start_depth()
    {
        var policy = new AdaptivePolicy(null, new AdaptiveSettings
        {
            ValueOfTime = 1, DraftPrice = new ModelPrice(1, 1), TargetPrice = new ModelPrice(1, 1), ColdStartDepth = 2,
        });
        var start = policy.AtRoundStart(new RoundStartRequest(AcceptanceTraining.State("any", 0), 0));

        Assert.True(start.GoOn);
        var first = policy.AfterDraft(new DraftFinishedRequest(AcceptanceTraining.State("any", 0), 0, "step 0", 1, start.Memo));
        var second = policy.AfterDraft(new DraftFinishedRequest(AcceptanceTraining.State("any", 1) with { DraftsInRound = 1 }, 0, "step 1", 1, first.Memo));
        Assert.True(first.GoOn);
        Assert.False(second.GoOn);
    }

    [Fact]
    public void Untrained_with_the_evidence_of_earlier_runs_it_chains_past_the_cold_start_depth_only_where_time_is_dear()
    {
        // 9 drafts of 10 accepted so far; drafts take 1 s, targets 8 s.
        var evidence = new ColdStartEvidence(0.9, new CallStatistics(new RoleStatistics(300, 0, 10, 1), new RoleStatistics(900, 0, 200, 8)));
        AdaptivePolicy Untrained(double valueOfTime) => new(null, new AdaptiveSettings
        {
            ValueOfTime = valueOfTime, DraftPrice = new ModelPrice(10, 30), TargetPrice = new ModelPrice(10, 30), ColdStartDepth = 2,
        }, evidence);
        DraftFinishedRequest Draft(int started) => new(
            AcceptanceTraining.State("any", started - 1) with { DraftsInRound = started - 1 }, 0, "step", 1.0,
            ChainMemo.Start with { Depth = 2, ChainAcceptance = Math.Pow(0.9, started - 1) });

        // Past the cold-start depth: on where a second is worth a dollar, not where it is worth nothing.
        var third = Untrained(1).AfterDraft(Draft(3));
        Assert.True(third.GoOn);
        Assert.Equal(0.9, third.Acceptance);
        Assert.Equal(Math.Pow(0.9, 3), third.Memo.ChainAcceptance, 12);
        Assert.False(Untrained(0).AfterDraft(Draft(3)).GoOn);

        // Within it: on whatever the value of time, so that there are drafts to learn from.
        Assert.True(Untrained(0).AfterDraft(Draft(1)).GoOn);
    }

    [Fact]
    public void Cold_start_evidence_is_the_smoothed_acceptance_rate_and_the_calls_figures_of_the_runs_so_far()
    {
        static DraftRecord Judged(bool accepted) => new(0, 0, "step", accepted, new Planning.CallUsage(300, 10, 1), new Planning.CallUsage(900, 200, 8));

        var evidence = ColdStartEvidence.From([new RunExamples("r", "task", ["step"], [Judged(true), Judged(true), Judged(false)])])!;

        Assert.Equal((2 + 1.0) / (3 + 2), evidence.AcceptanceRate, 12);
        Assert.Equal(8, evidence.Statistics.Target.LatencySeconds, 12);
        Assert.Equal(10, evidence.Statistics.Draft.CompletionTokens, 12);
        Assert.Null(ColdStartEvidence.From([new RunExamples("r", "task", ["step"], [])]));
    }

    [Fact]
    public void A_negative_or_infinite_value_of_time_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Policy(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Policy(double.PositiveInfinity));
    }
}
