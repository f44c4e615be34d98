using Dsp.Functions.Planning;
using Microsoft.DurableTask.Client;
using Spectre.Console;

namespace Dsp.Cli.Planning;

/// <summary>Shows a running plan's verified steps as they arrive, from its orchestration's custom status.</summary>
internal sealed class PlanProgressView(IAnsiConsole console, DurableTaskClient client)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Follows the plan until it finishes.</summary>
    public async Task FollowAsync(string id, CancellationToken cancellationToken)
    {
        var shown = 0;
        while (true)
        {
            var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
            var progress = instance?.ReadCustomStatusAs<PlanProgress>();
            if (progress is not null)
            {
                for (; shown < progress.Verified.Count; shown++)
                {
                    console.MarkupLine($"  [green]{shown + 1,3}[/]  {Markup.Escape(progress.Verified[shown])}  [grey](round {progress.Round + 1}, depth {progress.Depth}, {progress.RunningCalls} calls in flight, ${progress.CostUsd:0.0000} so far)[/]");
                }
            }

            if (instance is null || instance.IsCompleted)
            {
                return;
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }
}
