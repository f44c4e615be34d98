using Dsp.Core.Planning;
using Dsp.Core.Runs;

namespace Dsp.Storage.Tests;

public class CancellationStoreTests : StorageTest
{
    private static readonly CallKey Draft3 = new(1, AgentRole.Draft, 3);
    private static readonly CallKey Target3 = new(1, AgentRole.Target, 3);
    private static readonly CallKey Draft4 = new(1, AgentRole.Draft, 4);

    [Fact]
    public async Task Cancelled_calls_read_as_cancelled_and_no_others()
    {
        var store = Scope.Cancellations();

        Assert.False(await store.IsCancelledAsync("run-1", Draft3));
        await store.CancelCallsAsync("run-1", [Draft3, Draft4]);
        await store.CancelCallsAsync("run-1", [Draft3, Draft3]); // idempotent
        await store.CancelCallsAsync("run-1", []);

        Assert.True(await store.IsCancelledAsync("run-1", Draft3));
        Assert.True(await store.IsCancelledAsync("run-1", Draft4));
        Assert.False(await store.IsCancelledAsync("run-1", Target3));
        Assert.False(await store.IsCancelledAsync("run-2", Draft3));
        Assert.False(await store.IsRunCancelledAsync("run-1"));
    }

    [Fact]
    public async Task Each_attempt_of_a_call_is_cancelled_on_its_own()
    {
        var store = Scope.Cancellations();

        await store.CancelCallsAsync("run-1", [Draft3]);

        Assert.False(await store.IsCancelledAsync("run-1", new CallAttempt(Draft3, 1)));
        await store.CancelCallsAsync("run-1", [new CallAttempt(Draft3, 1)]);
        Assert.True(await store.IsCancelledAsync("run-1", new CallAttempt(Draft3, 1)));
        Assert.False(await store.IsCancelledAsync("run-1", new CallAttempt(Draft3, 2)));
    }

    [Fact]
    public async Task A_cancelled_run_cancels_every_call_of_that_run_only()
    {
        var store = Scope.Cancellations();

        await store.CancelRunAsync("run-1");
        await store.CancelRunAsync("run-1");

        Assert.True(await store.IsCancelledAsync("run-1", Target3));
        Assert.True(await store.IsCancelledAsync("run-1", new CallKey(40, AgentRole.Draft, 49)));
        Assert.False(await store.IsCancelledAsync("run-2", Target3));
        Assert.True(await store.IsRunCancelledAsync("run-1"));
        Assert.False(await store.IsRunCancelledAsync("run-2"));
    }

    [Fact]
    public async Task More_calls_than_one_transaction_holds_are_all_cancelled()
    {
        var store = Scope.Cancellations();
        var calls = Enumerable.Range(0, 250).Select(i => new CallAttempt(new CallKey(i / 10, i % 2 == 0 ? AgentRole.Draft : AgentRole.Target, i))).ToList();

        await store.CancelCallsAsync("run-1", calls);

        Assert.True(await store.IsCancelledAsync("run-1", calls[0]));
        Assert.True(await store.IsCancelledAsync("run-1", calls[^1]));
    }
}
