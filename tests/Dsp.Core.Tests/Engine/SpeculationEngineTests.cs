using Dsp.Core.Engine;
using Dsp.Core.Judges;
using static Dsp.Core.Engine.EngineCommandKind;

namespace Dsp.Core.Tests.Engine;

public class SpeculationEngineTests
{
    private const bool GoOn = true;
    private const bool Stop = false;

    private static SpeculationEngine NewEngine(int maxSteps = 50, bool draftPastTerminate = false) =>
        new(new ExactJudge(), new EngineOptions { MaxSteps = maxSteps, DraftPastTerminate = draftPastTerminate });

    private static EngineCommand[] Cmds(IReadOnlyList<EngineCommand> commands) => [.. commands];

    private static EngineCommand C(EngineCommandKind kind, int position) => new(kind, position);

    [Fact]
    public void A_round_starts_the_first_draft_and_target_together()
    {
        var engine = NewEngine();

        Assert.Equal([C(StartDraft, 0), C(StartTarget, 0)], Cmds(engine.BeginRound()));
        Assert.Equal(EngineStatus.Running, engine.Status);
    }

    [Fact]
    public void A_finished_draft_that_goes_on_starts_the_next_draft_and_the_target_conditioned_on_it()
    {
        var engine = NewEngine();
        engine.BeginRound();

        Assert.Equal([C(StartDraft, 1), C(StartTarget, 1)], Cmds(engine.DraftCompleted(0, "A", GoOn)));
        Assert.Equal(["A"], engine.PrefixFor(1));
        Assert.Equal([C(StartDraft, 2), C(StartTarget, 2)], Cmds(engine.DraftCompleted(1, "B", GoOn)));
        Assert.Equal(["A", "B"], engine.PrefixFor(2));
    }

    [Fact]
    public void A_finished_draft_that_stops_the_chain_starts_nothing()
    {
        var engine = NewEngine();
        engine.BeginRound();

        Assert.Empty(engine.DraftCompleted(0, "A", Stop));
        Assert.Equal([C(DraftAccepted, 0), C(RoundEnded, 1)], Cmds(engine.TargetCompleted(0, "A")));
        Assert.Equal(1, engine.LastRound.Depth);
    }

    [Fact]
    public void Accepted_drafts_are_verified_in_order_and_the_round_ends_after_its_last_target()
    {
        var engine = NewEngine();
        engine.BeginRound();
        engine.DraftCompleted(0, "A", GoOn);
        engine.DraftCompleted(1, "B", Stop);

        // Target 1 finishing first verifies nothing: position 0 is still open.
        Assert.Empty(engine.TargetCompleted(1, "B"));
        Assert.Equal([C(DraftAccepted, 0), C(DraftAccepted, 1), C(RoundEnded, 2)], Cmds(engine.TargetCompleted(0, "A")));
        Assert.Equal(["A", "B"], engine.Verified);
        Assert.Equal(new RoundOutcome(0, 0, 2, 2, 2, null), engine.LastRound);
        Assert.Equal(EngineStatus.AwaitingRound, engine.Status);
    }

    [Fact]
    public void A_mismatch_keeps_the_target_step_and_cancels_every_call_beyond_it()
    {
        var engine = NewEngine();
        engine.BeginRound();
        engine.DraftCompleted(0, "A", GoOn);
        engine.DraftCompleted(1, "B", GoOn);

        Assert.Equal(
            [C(CancelTarget, 1), C(CancelDraft, 2), C(CancelTarget, 2), C(TargetKept, 0), C(RoundEnded, 1)],
            Cmds(engine.TargetCompleted(0, "X")));
        Assert.Equal(["X"], engine.Verified);
        Assert.Equal(new RoundOutcome(0, 0, 3, 1, 0, 0), engine.LastRound);
    }

    [Fact]
    public void A_draft_that_finishes_after_a_mismatch_cancelled_it_cannot_extend_the_chain()
    {
        var engine = NewEngine();
        engine.BeginRound();
        engine.DraftCompleted(0, "A", GoOn);
        engine.TargetCompleted(0, "X");

        Assert.Empty(engine.DraftCompleted(1, "B", GoOn));
        Assert.Equal(EngineStatus.AwaitingRound, engine.Status);
    }

    [Fact]
    public void A_mismatch_waits_for_the_earlier_targets_before_ending_the_round()
    {
        var engine = NewEngine();
        engine.BeginRound();
        engine.DraftCompleted(0, "A", GoOn);
        engine.DraftCompleted(1, "B", GoOn);

        Assert.Equal([C(CancelDraft, 2), C(CancelTarget, 2)], Cmds(engine.TargetCompleted(1, "Y")));
        Assert.Equal(EngineStatus.Running, engine.Status);
        Assert.Equal([C(DraftAccepted, 0), C(TargetKept, 1), C(RoundEnded, 2)], Cmds(engine.TargetCompleted(0, "A")));
        Assert.Equal(["A", "Y"], engine.Verified);
        Assert.Equal(1, engine.LastRound.RejectedPosition);
    }

    [Fact]
    public void A_draft_slower_than_its_target_is_cancelled_and_not_accepted()
    {
        var engine = NewEngine();
        engine.BeginRound();

        Assert.Equal([C(CancelDraft, 0), C(TargetKept, 0), C(RoundEnded, 1)], Cmds(engine.TargetCompleted(0, "A")));
        Assert.Empty(engine.DraftCompleted(0, "A", GoOn)); // late news of a cancelled call is ignored
        Assert.Empty(engine.JudgedDrafts);
    }

    [Fact]
    public void A_round_without_a_draft_runs_the_target_alone_for_one_step()
    {
        var engine = NewEngine();

        Assert.Equal([C(StartTarget, 0)], Cmds(engine.BeginRound(draft: false)));
        Assert.Equal([C(TargetKept, 0), C(RoundEnded, 1)], Cmds(engine.TargetCompleted(0, "A")));
        Assert.Equal(new RoundOutcome(0, 0, 0, 1, 0, 0), engine.LastRound);
        Assert.Equal([DraftVerdict.NotDrafted], engine.Verdicts);
    }

    [Fact]
    public void A_first_draft_skipped_where_it_runs_makes_a_round_without_a_draft()
    {
        var engine = NewEngine();
        engine.BeginRound();

        Assert.Empty(engine.DraftSkipped(0));
        Assert.Equal([C(TargetKept, 0), C(RoundEnded, 1)], Cmds(engine.TargetCompleted(0, "A")));
        Assert.Equal(0, engine.LastRound.Depth);
        Assert.Equal([DraftVerdict.NotDrafted], engine.Verdicts);
        Assert.Equal(0, engine.RejectedDrafts);
    }

    [Fact]
    public void An_accepted_terminate_completes_the_plan_and_cancels_calls_beyond_it()
    {
        var engine = NewEngine(draftPastTerminate: true);
        engine.BeginRound();
        engine.DraftCompleted(0, "TERMINATE", GoOn);

        Assert.Equal(
            [C(CancelDraft, 1), C(CancelTarget, 1), C(DraftAccepted, 0), C(Completed, 1)],
            Cmds(engine.TargetCompleted(0, "TERMINATE")));
        Assert.Equal(EngineStatus.Completed, engine.Status);
    }

    [Fact]
    public void A_target_terminate_ends_the_plan_even_when_the_draft_disagreed()
    {
        var engine = NewEngine();
        engine.BeginRound();
        engine.DraftCompleted(0, "A", Stop);

        Assert.Equal([C(TargetKept, 0), C(Completed, 1)], Cmds(engine.TargetCompleted(0, "TERMINATE")));
    }

    [Fact]
    public void The_chain_stops_at_a_drafted_terminate_whatever_the_policy_says()
    {
        var engine = NewEngine();
        engine.BeginRound();

        Assert.Empty(engine.DraftCompleted(0, "TERMINATE", GoOn));
        Assert.Equal([C(TargetKept, 0), C(RoundEnded, 1)], Cmds(engine.TargetCompleted(0, "Go on")));
    }

    [Fact]
    public void Drafting_past_a_drafted_terminate_is_an_option()
    {
        var engine = NewEngine(draftPastTerminate: true);
        engine.BeginRound();

        Assert.Equal([C(StartDraft, 1), C(StartTarget, 1)], Cmds(engine.DraftCompleted(0, "TERMINATE", GoOn)));
    }

    [Fact]
    public void The_chain_stops_at_the_maximum_step_count_and_the_plan_completes_there()
    {
        var engine = NewEngine(maxSteps: 2);
        engine.BeginRound();
        engine.DraftCompleted(0, "A", GoOn);

        Assert.Empty(engine.DraftCompleted(1, "B", GoOn)); // position 2 is past the maximum
        engine.TargetCompleted(0, "A");
        Assert.Equal([C(DraftAccepted, 1), C(Completed, 2)], Cmds(engine.TargetCompleted(1, "B")));
    }

    [Fact]
    public void A_failed_draft_chains_nothing_and_its_position_keeps_the_target_step()
    {
        var engine = NewEngine();
        engine.BeginRound();

        Assert.Empty(engine.DraftFailed(0));
        Assert.Equal([C(TargetKept, 0), C(RoundEnded, 1)], Cmds(engine.TargetCompleted(0, "A")));
        Assert.Equal([DraftVerdict.Rejected], engine.Verdicts);
    }

    [Fact]
    public void A_failed_target_that_the_plan_needs_fails_the_plan_with_its_cause()
    {
        var engine = NewEngine();
        engine.BeginRound();
        engine.DraftCompleted(0, "A", GoOn);

        Assert.Equal([C(CancelDraft, 1), C(CancelTarget, 1), C(EngineCommandKind.Failed, 0)],
            Cmds(engine.TargetFailed(0, "HTTP 500")));
        Assert.Equal(EngineStatus.Failed, engine.Status);
        Assert.Contains("HTTP 500", engine.FailureReason);
    }

    [Fact]
    public void A_failed_target_beyond_a_mismatch_does_not_fail_the_plan()
    {
        var engine = NewEngine();
        engine.BeginRound();
        engine.DraftCompleted(0, "A", GoOn);
        engine.TargetFailed(1, "timeout");

        Assert.Equal([C(TargetKept, 0), C(RoundEnded, 1)], Cmds(engine.TargetCompleted(0, "X")));
        Assert.Null(engine.FailureReason);
    }

    [Fact]
    public void A_failed_target_after_accepted_drafts_fails_the_plan_when_they_are_verified()
    {
        var engine = NewEngine();
        engine.BeginRound();
        engine.DraftCompleted(0, "A", GoOn);
        engine.TargetFailed(1, "timeout");

        var commands = Cmds(engine.TargetCompleted(0, "A"));

        Assert.Equal([C(DraftAccepted, 0), C(EngineCommandKind.Failed, 1)], commands);
        Assert.Contains("step 2", engine.FailureReason);
    }

    [Fact]
    public void Stop_cancels_every_running_call()
    {
        var engine = NewEngine();
        engine.BeginRound();
        engine.DraftCompleted(0, "A", GoOn);

        Assert.Equal(
            [C(CancelTarget, 0), C(CancelDraft, 1), C(CancelTarget, 1), C(EngineCommandKind.Failed, 0)],
            Cmds(engine.Stop("cancelled by the user")));
        Assert.Equal("cancelled by the user", engine.FailureReason);
    }

    [Fact]
    public void Rounds_continue_from_the_first_unverified_position()
    {
        var engine = NewEngine();
        engine.BeginRound();
        engine.DraftCompleted(0, "A", Stop);
        engine.TargetCompleted(0, "A");

        Assert.Equal([C(StartDraft, 1), C(StartTarget, 1)], Cmds(engine.BeginRound()));
        Assert.Equal(["A"], engine.PrefixFor(1));
        Assert.Equal(2, engine.Rounds);
    }

    [Fact]
    public void Judged_drafts_are_those_compared_with_their_target_on_a_correct_prefix()
    {
        var engine = NewEngine();
        engine.BeginRound();
        engine.DraftCompleted(0, "A", GoOn);
        engine.DraftCompleted(1, "B", GoOn);
        engine.TargetCompleted(1, "Y");
        engine.TargetCompleted(0, "A"); // 0 accepted, 1 rejected; draft 2 was conditioned on a wrong prefix
        engine.BeginRound();
        engine.DraftCompleted(2, "C", Stop);
        engine.TargetCompleted(2, "C");

        Assert.Equal(
            [new JudgedDraft(0, 0, 0, "A", true), new JudgedDraft(0, 1, 1, "B", false), new JudgedDraft(1, 2, 0, "C", true)],
            engine.JudgedDrafts);
    }

    [Fact]
    public void Beginning_a_round_while_one_is_running_is_refused()
    {
        var engine = NewEngine();
        engine.BeginRound();

        Assert.Throws<InvalidOperationException>(() => engine.BeginRound());
    }

    [Fact]
    public void Reset_starts_a_new_plan()
    {
        var engine = NewEngine();
        engine.BeginRound(draft: false);
        engine.TargetCompleted(0, "TERMINATE");

        engine.Reset();

        Assert.Equal(EngineStatus.AwaitingRound, engine.Status);
        Assert.Empty(engine.Verified);
        Assert.Empty(engine.JudgedDrafts);
        Assert.Equal([C(StartTarget, 0)], Cmds(engine.BeginRound(draft: false)));
    }

    [Fact]
    public void An_engine_resumed_from_a_snapshot_at_every_round_boundary_plans_as_one_engine_does()
    {
        // Drafts right except at positions 2, 5 and 6; depths 3, 0, 2, 4, 1, 3, … until TERMINATE at position 9.
        static string Target(int p) => p == 9 ? "TERMINATE" : $"step {p}";
        static string Draft(int p) => p is 2 or 5 or 6 ? $"wrong {p}" : Target(p);
        int[] depths = [3, 0, 2, 4, 1, 3, 3, 3, 3, 3];

        var whole = NewEngine();
        var wholeCommands = new List<EngineCommand>();
        PlayRounds(() => whole, depths, Draft, Target, wholeCommands);

        var resumed = new List<SpeculationEngine>();
        var resumedCommands = new List<EngineCommand>();
        var current = NewEngine();
        PlayRounds(
            () =>
            {
                if (current.Status == EngineStatus.AwaitingRound && current.Rounds > 0)
                {
                    resumed.Add(current);
                    current = SpeculationEngine.Resume(new ExactJudge(), new EngineOptions { MaxSteps = 50 }, current.Snapshot());
                }

                return current;
            },
            depths,
            Draft,
            Target,
            resumedCommands);
        resumed.Add(current);

        Assert.Equal(EngineStatus.Completed, current.Status);
        Assert.Equal(wholeCommands, resumedCommands);
        Assert.Equal(whole.Verified, resumed.SelectMany(e => e.Verified));
        Assert.Equal(whole.Verdicts, resumed.SelectMany(e => e.Verdicts));
        Assert.Equal(whole.JudgedDrafts, resumed.SelectMany(e => e.JudgedDrafts));
        Assert.Equal(whole.LastRound, current.LastRound);
        Assert.Equal((whole.Rounds, whole.AcceptedDrafts, whole.RejectedDrafts, whole.AcceptedStreak, whole.Position),
            (current.Rounds, current.AcceptedDrafts, current.RejectedDrafts, current.AcceptedStreak, current.Position));
        Assert.Equal(10, current.VerifiedCount);
        Assert.True(resumed.Count > 5);
        Assert.All(resumed.Skip(1), e => Assert.Equal(e.FirstPosition, e.Position - e.Verified.Count));
    }

    [Fact]
    public void A_resumed_engine_conditions_its_calls_on_the_round_s_drafts_and_counts_the_steps_before_it()
    {
        var engine = SpeculationEngine.Resume(new ExactJudge(), new EngineOptions { MaxSteps = 6 }, new EngineSnapshot(4, 3, 2, 1, 1));

        Assert.Equal([C(StartDraft, 4), C(StartTarget, 4)], Cmds(engine.BeginRound()));
        Assert.Equal(3, engine.Rounds - 1);
        Assert.Equal([C(StartDraft, 5), C(StartTarget, 5)], Cmds(engine.DraftCompleted(4, "E", GoOn)));
        Assert.Equal(["E"], engine.DraftsBefore(5));
        Assert.Throws<InvalidOperationException>(() => engine.PrefixFor(5));
        Assert.Throws<InvalidOperationException>(() => engine.PrefixView(5));

        // Step 6 of 6 completes the plan: the four steps before the resumption count.
        engine.DraftCompleted(5, "F", GoOn);
        engine.TargetCompleted(4, "E");
        Assert.Equal([C(DraftAccepted, 5), C(EngineCommandKind.Completed, 6)], Cmds(engine.TargetCompleted(5, "F")));
        Assert.Equal(["E", "F"], engine.Verified);
        Assert.Equal(6, engine.VerifiedCount);
        Assert.Equal(new JudgedDraft(3, 4, 0, "E", true), engine.JudgedDrafts[0]);
        Assert.Equal(new RoundOutcome(3, 4, 2, 2, 2, null), engine.LastRound);
    }

    [Fact]
    public void A_snapshot_is_taken_between_rounds_and_an_inconsistent_one_is_refused()
    {
        var engine = NewEngine();
        engine.BeginRound();
        Assert.Throws<InvalidOperationException>(engine.Snapshot);

        var options = new EngineOptions { MaxSteps = 10 };
        Assert.Throws<ArgumentException>(() => SpeculationEngine.Resume(new ExactJudge(), options, new EngineSnapshot(10, 5, 0, 0, 0)));
        Assert.Throws<ArgumentException>(() => SpeculationEngine.Resume(new ExactJudge(), options, new EngineSnapshot(3, 2, 3, 1, 0)));
        Assert.Throws<ArgumentException>(() => SpeculationEngine.Resume(new ExactJudge(), options, new EngineSnapshot(3, 2, 1, 1, 2)));
    }

    /// <summary>Plays rounds of the given depths: drafts chain to the depth, then targets finish in order.</summary>
    private static void PlayRounds(
        Func<SpeculationEngine> engineAt, int[] depths, Func<int, string> draft, Func<int, string> target, List<EngineCommand> log)
    {
        var engine = engineAt();
        for (var round = 0; engine.Status == EngineStatus.AwaitingRound; round++)
        {
            var depth = depths[round];
            var started = new List<EngineCommand>(engine.BeginRound(draft: depth > 0));
            log.AddRange(started);
            for (var i = 0; i < started.Count; i++)
            {
                if (started[i].Kind == StartDraft)
                {
                    var position = started[i].Position;
                    var chained = Cmds(engine.DraftCompleted(position, draft(position), position - engine.Position + 1 < depth));
                    log.AddRange(chained);
                    started.AddRange(chained);
                }
            }

            foreach (var call in started.Where(c => c.Kind == StartTarget).ToList())
            {
                log.AddRange(engine.TargetCompleted(call.Position, target(call.Position)));
            }

            engine = engineAt();
        }
    }
}
