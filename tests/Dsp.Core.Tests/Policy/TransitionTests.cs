using Dsp.Core.Engine;
using Dsp.Core.Policy;
using static Dsp.Core.Engine.DraftVerdict;

namespace Dsp.Core.Tests.Policy;

public class TransitionTests
{
    private static readonly string[] Plan = ["A", "B", "C", "D", "E", "TERMINATE"];

    // Round 0 speculates 3 deep from 0: A, B accepted, C rejected. Round 1 runs the target alone for D.
    // Round 2 speculates 2 deep from 4: E and TERMINATE accepted.
    private static readonly DraftVerdict[] Verdicts = [Accepted, Accepted, Rejected, NotDrafted, Accepted, Accepted];

    private static readonly RoundOutcome[] Rounds =
    [
        new(0, 0, 3, 3, 2, 2),
        new(1, 3, 0, 1, 0, 3),
        new(2, 4, 2, 2, 2, null),
    ];

    [Fact]
    public void Every_drafted_position_becomes_a_transition_labelled_by_its_distance_to_the_segment_end()
    {
        var transitions = TransitionBuilder.Build("run", "task", Plan, Verdicts, Rounds);

        Assert.Equal([0, 1, 2, 4, 5], transitions.Select(t => t.State.Position));
        Assert.Equal([1f, 1f, 0f, 1f, 1f], transitions.Select(t => t.Reward));
        Assert.Equal([3, 2, 1, 2, 1], transitions.Select(t => t.Label));
        Assert.Equal([false, false, true, false, true], transitions.Select(t => t.EndsSegment));
    }

    [Fact]
    public void A_transition_state_is_the_history_with_the_rounds_drafts_and_the_counts_at_round_start()
    {
        var transitions = TransitionBuilder.Build("run", "task", Plan, Verdicts, Rounds);

        var inFirstRound = transitions[2].State;
        Assert.Equal(["A", "B"], inFirstRound.History);
        Assert.Equal(2, inFirstRound.DraftsInRound);
        Assert.Equal((0, 0, 0), (inFirstRound.AcceptedDrafts, inFirstRound.RejectedDrafts, inFirstRound.AcceptedStreak));

        var inLastRound = transitions[4].State;
        Assert.Equal(["A", "B", "C", "D", "E"], inLastRound.History);
        Assert.Equal(1, inLastRound.DraftsInRound);
        Assert.Equal((2, 1, 0), (inLastRound.AcceptedDrafts, inLastRound.RejectedDrafts, inLastRound.AcceptedStreak));
        Assert.Equal("task", inLastRound.Task);
    }

    [Fact]
    public void Built_transitions_pass_validation()
    {
        TransitionValidator.Validate(TransitionBuilder.Build("run", "task", Plan, Verdicts, Rounds));
    }

    public static TheoryData<string, int, string> ImpossibleBatches => new()
    {
        { "reward", 0, "reward 0.5 is neither 0 nor 1" },
        { "label", 0, "label 0 is below 1" },
        { "gap", 1, "label 3 is not followed by label 2" },
        { "unterminated", 0, "the last transition does not end its segment" },
        { "rejected-continues", 0, "a rejected draft (reward 0) must end its segment" },
        { "label-ends", 0, "label 2 ends a segment, which only label 1 can" },
        { "other-run", 0, "a segment continues into another run" },
        { "drafts", 0, "drafts in round exceed the history" },
        { "negative-count", 0, "a count of accepted or rejected drafts is negative" },
        { "streak", 0, "an accepted streak of 3 with 2 drafts accepted" },
    };

    [Theory]
    [MemberData(nameof(ImpossibleBatches))]
    public void Impossible_transitions_are_refused_naming_the_transition(string kind, int index, string problem)
    {
        var state = new PolicyState("task", [], 0, 0, 0, 0);
        PolicyTransition T(float reward, int label, bool ends) => new("run", state, reward, label, ends);
        PolicyTransition[] batch = kind switch
        {
            "reward" => [T(0.5f, 1, true)],
            "label" => [T(1, 0, true)],
            "gap" => [T(1, 4, false), T(1, 3, false), T(1, 1, true)],
            "unterminated" => [T(1, 2, false)],
            "rejected-continues" => [T(0, 2, false), T(1, 1, true)],
            "label-ends" => [T(1, 2, true)],
            "other-run" => [T(1, 2, false), new("other", state, 1, 1, true)],
            "drafts" => [new("run", state with { DraftsInRound = 1 }, 1, 1, true)],
            "negative-count" => [new("run", state with { RejectedDrafts = -1 }, 1, 1, true)],
            _ => [new("run", state with { AcceptedDrafts = 2, AcceptedStreak = 3 }, 1, 1, true)],
        };

        var error = Assert.Throws<InvalidTransitionException>(() => TransitionValidator.Validate(batch));

        Assert.Equal(index, error.Index);
        Assert.Contains(problem, error.Message);
        Assert.StartsWith($"Transition {index + 1} (run 'run')", error.Message);
    }
}
