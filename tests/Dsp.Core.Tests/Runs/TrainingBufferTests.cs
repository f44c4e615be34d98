using Dsp.Core.Policy;
using Dsp.Core.Runs;

namespace Dsp.Core.Tests.Runs;

public class TrainingBufferTests
{
    private static IReadOnlyList<RunTrainingData> Runs() =>
    [
        .. Enumerable.Range(0, 3).Select(i =>
        {
            var examples = AcceptanceTraining.Run($"run-{i}", "Ünïcode task “quoted”", 4, p => p == 2 ? "wrong" : $"step {p}");
            var transitions = Enumerable.Range(0, 4).Select(p =>
                new PolicyTransition($"run-{i}", new PolicyState(examples.Task, [.. examples.Plan.Take(p)], 0, p, 0, p), p == 2 ? 0 : 1, 1, true)).ToList();
            return new RunTrainingData($"run-{i}", DateTimeOffset.UnixEpoch.AddHours(i), transitions, examples);
        }),
    ];

    [Fact]
    public void Runs_round_trip()
    {
        var runs = Runs();

        var copy = TrainingBuffer.Deserialize(TrainingBuffer.Serialize(runs));

        Assert.Equal(runs.Select(r => (r.RunId, r.CompletedAt)), copy.Select(r => (r.RunId, r.CompletedAt)));
        Assert.Equal(runs.SelectMany(r => r.Examples.Drafts), copy.SelectMany(r => r.Examples.Drafts));
        Assert.Equal(runs.SelectMany(r => r.Examples.Plan), copy.SelectMany(r => r.Examples.Plan));
        Assert.Equal(runs.SelectMany(r => r.Transitions.SelectMany(t => t.State.History)), copy.SelectMany(r => r.Transitions.SelectMany(t => t.State.History)));
        Assert.Equal(runs.SelectMany(r => r.Transitions.Select(t => (t.Reward, t.Label, t.State.AcceptedDrafts))), copy.SelectMany(r => r.Transitions.Select(t => (t.Reward, t.Label, t.State.AcceptedDrafts))));
    }

    [Theory]
    [InlineData("truncated", "inconsistent")]
    [InlineData("other format", "format version 2 is not supported")]
    [InlineData("not a buffer", "wrong magic bytes")]
    public void A_damaged_buffer_is_refused_by_name(string damage, string problem)
    {
        var bytes = TrainingBuffer.Serialize(Runs());
        bytes = damage switch
        {
            "truncated" => bytes[..(bytes.Length / 2)],
            "other format" => [.. bytes[..4], .. BitConverter.GetBytes(2), .. bytes[8..]],
            _ => [(byte)'X', .. bytes[1..]],
        };

        var error = Assert.Throws<PolicySnapshotFormatException>(() => TrainingBuffer.Deserialize(bytes));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }
}
