using Dsp.Core.Policy;
using Dsp.Core.Simulation;
using Dsp.Core.Traces;
using Dsp.Functions.Http;
using Dsp.Functions.Planning;
using Dsp.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace Dsp.Functions.Tests;

/// <summary>
/// A plan that continues as new after every round, read as a client reads it (<c>GET /api/plans/{id}</c>, through
/// <see cref="PlansApi"/>): one plan, with one id, a running status, one start and its whole result.
/// </summary>
internal static class ContinuedPlanChecks
{
    /// <summary>Every orchestration execution holds one round, and the context calls carry is stored at every round.</summary>
    public static ExecutionLimits EveryRound { get; } = new(Rounds: 1, ContentCharacters: int.MaxValue, InlineContextCharacters: 1);

    /// <summary>
    /// Plans <paramref name="trace"/> as <paramref name="id"/>, continuing every round, while polling its status; asserts
    /// what the client sees. Returns the executions the plan took.
    /// </summary>
    public static async Task<int> AssertOnePlanForTheClientAsync(
        InProcessPlanner planner, AgentTrace trace, string id, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        var api = ActivatorUtilities.CreateInstance<PlansApi>(planner.Services);
        var input = new PlanInput(trace.Task, 0.9f, 1, trace.Steps.Count, "exact", "default", trace.Id, PolicyNames.Dsp);
        await planner.Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(SpeculativePlanOrchestrator), input with { Limits = EveryRound }, new StartOrchestrationOptions(id), cancellationToken);
        var running = new List<PlanStatus>();
        PlanStatus finished;
        while (true)
        {
            var answer = await api.GetPlan(HttpRequests.Create("", "GET"), planner.Client, id, cancellationToken);
            if (answer is OkObjectResult { Value: PlanStatus done })
            {
                finished = done;
                break;
            }

            running.Add(Assert.IsType<PlanStatus>(Assert.IsType<PlanAcceptedResult>(answer).Value));
            await Task.Delay(pollInterval, cancellationToken);
        }

        var executions = 1 + ((await planner.Client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken))!.ReadInputAs<PlanInput>()!.Continuation?.Execution ?? 0);
        Assert.True(executions > 1, "the plan never continued as new");
        Assert.NotEmpty(running);
        Assert.All(running, s => Assert.Equal(id, s.Id));
        Assert.All(running, s => Assert.Contains(s.Status, new[] { "Pending", "Running" }));

        // Its start stays the plan's, not an execution's: the hosts report each execution's creation (and the in-memory
        // host moves it by microseconds as the first one begins); a continued execution reports the first one's start
        // as its orchestrator saw it.
        var starts = running.Append(finished).Select(s => s.CreatedAt).ToList();
        Assert.All(starts, start => Assert.InRange((start - starts[0]).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(2)));
        Assert.Equal("Completed", finished.Status);

        var result = finished.Result!;
        Assert.Equal(PlanOutcomes.Completed, result.Outcome);
        Assert.Equal(TraceSimulator.TargetPlan(trace), result.Plan);
        Assert.Equal(result.Depths.Count, result.Run.Rounds);
        Assert.Equal(result.Calls.Count, result.Run.Calls);
        Assert.Equal(result.Calls.Count(c => c.Usage.Cancelled), result.Run.CancelledCalls);
        Assert.Equal(result.Calls.Count, result.Calls.Select(c => c.Call).Distinct().Count());
        Assert.All(Enumerable.Range(0, result.Depths.Count), round => Assert.Contains(result.Calls, c => c.Call.Round == round));
        Assert.Equal(result.Calls.Sum(c => c.CostUsd), result.Run.CostUsd, 9);
        Assert.Equal(result.Plan.Count, result.Run.Steps);
        return executions;
    }
}
