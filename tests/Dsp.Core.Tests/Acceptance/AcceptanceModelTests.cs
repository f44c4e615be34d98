using Dsp.Core.Acceptance;
using Dsp.Core.Policy;

namespace Dsp.Core.Tests.Acceptance;

public class AcceptanceModelTests
{
    private static readonly AcceptanceModel Model = AcceptanceTraining.Model();

    [Fact]
    public void Drafts_seen_accepted_are_predicted_accepted_and_drafts_seen_rejected_rejected()
    {
        Assert.True(Model.Predict(AcceptanceTraining.State("easy task", 2), "step 2") > 0.95);
        Assert.True(Model.Predict(AcceptanceTraining.State("hard task", 2), "wrong") < 0.05);
    }

    [Fact]
    public void A_draft_unlike_what_the_target_took_in_a_known_context_is_predicted_rejected()
    {
        // The target was seen taking "step 2" here; another draft was never judged in this context.
        Assert.True(Model.Predict(AcceptanceTraining.State("easy task", 2), "step 7") < 0.5);
    }

    [Fact]
    public void Before_a_draft_exists_the_context_says_how_likely_it_is_to_be_accepted()
    {
        Assert.True(Model.PredictBeforeDraft(AcceptanceTraining.State("easy task", 3)) > 0.8);
        Assert.True(Model.PredictBeforeDraft(AcceptanceTraining.State("hard task", 3)) < 0.2);
    }

    [Fact]
    public void Training_is_deterministic_and_the_model_round_trips_byte_for_byte()
    {
        var again = AcceptanceTraining.Model();
        var bytes = AcceptanceModelSerializer.Serialize(Model);

        Assert.Equal(bytes, AcceptanceModelSerializer.Serialize(again));
        var copy = AcceptanceModelSerializer.Deserialize(bytes);
        Assert.Equal(bytes, AcceptanceModelSerializer.Serialize(copy));
        Assert.Equal(Model.Predict(AcceptanceTraining.State("hard task", 1), "wrong"), copy.Predict(AcceptanceTraining.State("hard task", 1), "wrong"));
        Assert.Equal(Model.Statistics, copy.Statistics);
        Assert.Equal(Model.Fit, copy.Fit, new CalibrationComparer());
    }

    [Fact]
    public void Running_averages_of_both_roles_come_from_the_examples()
    {
        Assert.Equal(AcceptanceTraining.DraftUsage.LatencySeconds, Model.Statistics.Draft.LatencySeconds, 9);
        Assert.Equal(AcceptanceTraining.TargetUsage.CompletionTokens, Model.Statistics.Target.CompletionTokens, 9);
        Assert.Equal(AcceptanceTraining.TargetUsage.PromptTokens, Model.Statistics.Target.PromptTokensAt(3), 6);
    }

    [Theory]
    [InlineData("truncated", "truncated or corrupt")]
    [InlineData("flipped bit", "checksum does not match")]
    [InlineData("other format", "format version 2 is not supported")]
    [InlineData("not a model", "wrong magic bytes")]
    public void A_damaged_model_is_refused_by_name(string damage, string problem)
    {
        var bytes = AcceptanceModelSerializer.Serialize(Model);
        switch (damage)
        {
            case "truncated":
                bytes = bytes[..(bytes.Length / 2)];
                break;
            case "flipped bit":
                bytes[bytes.Length / 3] ^= 0x04;
                break;
            case "other format":
                BitConverter.TryWriteBytes(bytes.AsSpan(4, 4), 2);
                break;
            default:
                bytes[0] = (byte)'X';
                break;
        }

        var error = Assert.Throws<PolicySnapshotFormatException>(() => AcceptanceModelSerializer.Deserialize(bytes));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inconsistent_examples_are_refused_naming_the_run()
    {
        var run = AcceptanceTraining.Run("broken", "task", 3);
        var beyond = run with { Drafts = [.. run.Drafts, run.Drafts[0] with { Position = 7 }] };

        var error = Assert.Throws<ArgumentException>(() => new AcceptanceTrainer().Train([beyond]));
        Assert.Contains("'broken'", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new AcceptanceTrainer().Train([]));
    }

    private sealed class CalibrationComparer : IEqualityComparer<Calibration>
    {
        public bool Equals(Calibration? x, Calibration? y) =>
            x is not null && y is not null && x.Predictions == y.Predictions && x.LogLoss == y.LogLoss && x.Bins.SequenceEqual(y.Bins);

        public int GetHashCode(Calibration obj) => obj.Predictions;
    }
}
