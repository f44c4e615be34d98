using System.Collections.Concurrent;
using Dsp.Core.Agents;
using Dsp.Core.Costs;
using Dsp.Core.Planning;
using Dsp.Core.Runs;
using Dsp.Functions.Planning;
using Microsoft.DurableTask.Client;

namespace Dsp.Functions.Tests;

/// <summary>Replay agents whose every run plays on its own <see cref="VirtualClock"/>, so runs advance in parallel.</summary>
/// <param name="catalog">The traces played.</param>
/// <param name="quiet">Real time without any timer change before a run's clock moves [default: 40 ms]; each check reads the
/// run's state from the durable backend.</param>
internal sealed class VirtualTimeReplayProfiles(TraceCatalog catalog, TimeSpan? quiet = null) : IAgentProfiles, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, VirtualClock> _clocks = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];

    private TraceCatalog Catalog => catalog;

    /// <summary>The client that reads each run's progress, to know when the orchestrator has settled.</summary>
    public DurableTaskClient? Client { get; set; }

    public IReadOnlyCollection<string> Names { get; } = ["default"];

    public AgentProfile? Find(string name) => name == "default"
        ? new AgentProfile(name, new Agent(this, AgentRole.Draft), new Agent(this, AgentRole.Target),
            (task, traceId) => catalog.Contains(task, traceId) ? catalog.Resolve(task, traceId).Steps.Count : 0,
            PriceTable.BuiltIn["gpt-4-turbo"], PriceTable.BuiltIn["gpt-4-turbo"])
        : null;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running);
        _stop.Dispose();
    }

    private VirtualClock ClockFor(string runId) => _clocks.GetOrAdd(runId, _ =>
    {
        var clock = new VirtualClock();
        lock (_running)
        {
            _running.Add(clock.RunAsync(pending => SettledAsync(runId, pending), quiet ?? TimeSpan.FromMilliseconds(40), _stop.Token));
        }

        return clock;
    });

    /// <summary>Whether the run's orchestrator has processed everything and waits on exactly the calls whose timers
    /// are pending: every call it started is running its agent, and every call it cancelled has stopped.</summary>
    private async Task<bool> SettledAsync(string runId, IReadOnlySet<CallKey?> pending)
    {
        var instance = await Client!.GetInstanceAsync(runId, getInputsAndOutputs: true);
        return instance?.ReadCustomStatusAs<PlanProgress>() is { } progress
            && progress.InFlight.Count == pending.Count
            && progress.InFlight.All(call => pending.Contains(call));
    }

    private sealed class Agent(VirtualTimeReplayProfiles profiles, AgentRole role) : IStepAgent
    {
        public string Model => "gpt-4-turbo";

        public Task<StepResult> ProposeAsync(StepRequest request, CancellationToken cancellation) =>
            new ReplayAgent(profiles.Catalog, role, 1.0, profiles.ClockFor(request.RunId).For(request.Call)).ProposeAsync(request, cancellation);
    }
}
