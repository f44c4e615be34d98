using Dsp.Agents;
using Dsp.Core.Agents;
using Dsp.Core.Planning;
using Dsp.Core.Runs;

namespace Dsp.Reliability.Tests;

/// <summary>Each injected fault, on its own, against one live target call: it is retried and the call succeeds.</summary>
public class AgentFaultTests
{
    [Theory]
    [InlineData(FaultKind.RateLimited)]
    [InlineData(FaultKind.ServerError)]
    [InlineData(FaultKind.DroppedConnection)]
    [InlineData(FaultKind.Garbage)]
    [InlineData(FaultKind.Timeout)]
    public async Task A_transient_fault_is_retried_and_the_call_succeeds(FaultKind kind) => await RetriedAsync(kind);

    /// <summary>A connection reset mid-stream (an <see cref="IOException"/>) starts the attempt over. A malformed
    /// event in a 200 answer is not retried: it is a protocol fault, reported as such (see Dsp.Agents.Tests).</summary>
    [Fact]
    public async Task A_stream_dropped_mid_answer_is_retried_and_the_call_succeeds() => await RetriedAsync(FaultKind.DroppedStream);

    private static async Task RetriedAsync(FaultKind kind)
    {
        await using var server = await FaultyOpenAIServer.StartAsync(new FaultOptions { FailureShare = 1, TwiceShare = 0, Kinds = [kind] }, Harness.Answer);
        var profile = LiveAgentProfiles.Create(Harness.Configuration(server.Endpoint, attemptTimeout: TimeSpan.FromSeconds(1)), TimeProvider.System).Single(p => p.Name == "default");

        var result = await profile.Target.ProposeAsync(
            new StepRequest("run-1", new CallKey(0, AgentRole.Target, 0), Harness.Task(5), []), CancellationToken.None);

        Assert.Equal(Harness.TargetPlan(5)[0], result.Step);
        Assert.Equal(2, server.Requests);
        Assert.Equal(1, server.FaultsInjected);
    }
}
