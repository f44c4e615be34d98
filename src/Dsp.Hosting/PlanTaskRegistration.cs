using Dsp.Functions.Planning;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace Dsp.Hosting;

/// <summary>
/// Registers the plan's orchestrator and activities — the same code the Functions app runs — on any durable
/// worker (the in-process host of <c>dsp plan</c> and of the tests), with activities resolved from a service
/// provider.
/// </summary>
public static class PlanTaskRegistration
{
    public static DurableTaskRegistry AddPlanTasks(this DurableTaskRegistry registry, IServiceProvider services)
    {
        PlanActivities Activities() => services.GetRequiredService<PlanActivities>();

        registry.AddOrchestratorFunc<PlanInput, PlanOutput?>(nameof(SpeculativePlanOrchestrator), (context, input) => SpeculativePlanOrchestrator.RunAsync(context, input));
        registry.AddActivityFunc<CallInput, CallOutcome>(nameof(PlanActivities.Draft), (_, input) => Activities().Draft(input, CancellationToken.None));
        registry.AddActivityFunc<CallInput, CallOutcome>(nameof(PlanActivities.Target), (_, input) => Activities().Target(input, CancellationToken.None));
        registry.AddActivityFunc<CancelInput>(nameof(PlanActivities.CancelBranches), (_, input) => Activities().CancelBranches(input, CancellationToken.None));
        registry.AddActivityFunc<PlanContentInput>(nameof(PlanActivities.SavePlanContent), (_, input) => Activities().SavePlanContent(input, CancellationToken.None));
        registry.AddActivityFunc<RecordInput>(nameof(PlanActivities.RecordRun), (_, input) => Activities().RecordRun(input, CancellationToken.None));
        return registry;
    }
}
