namespace Dsp.Storage.Tests;

public class OnceAsyncTests
{
    [Fact]
    public async Task Concurrent_callers_share_one_run()
    {
        var runs = 0;
        var gate = new TaskCompletionSource();
        var once = new OnceAsync(async () =>
        {
            Interlocked.Increment(ref runs);
            await gate.Task;
        });

        var callers = Enumerable.Range(0, 20).Select(_ => Task.Run(() => once.RunAsync(CancellationToken.None))).ToList();
        await Task.Delay(50);
        gate.SetResult();
        await Task.WhenAll(callers);
        await once.RunAsync(CancellationToken.None);

        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task A_failed_run_is_retried_by_the_next_caller()
    {
        var runs = 0;
        var once = new OnceAsync(() => ++runs == 1 ? throw new InvalidOperationException("first") : Task.CompletedTask);

        await Assert.ThrowsAsync<InvalidOperationException>(() => once.RunAsync(CancellationToken.None));
        await once.RunAsync(CancellationToken.None);
        await once.RunAsync(CancellationToken.None);

        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task A_caller_giving_up_does_not_cancel_the_run_for_the_others()
    {
        var gate = new TaskCompletionSource();
        var once = new OnceAsync(() => gate.Task);
        using var giveUp = new CancellationTokenSource();

        var impatient = once.RunAsync(giveUp.Token);
        var patient = once.RunAsync(CancellationToken.None);
        await giveUp.CancelAsync();
        gate.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient);
        await patient;
    }
}
