using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Dsp.Core.Policy;
using Dsp.Core.Traces;
using Dsp.Functions;
using Dsp.Functions.Planning;
using Dsp.Hosting;
using Microsoft.Extensions.Configuration;

namespace Dsp.Benchmarks;

/// <summary>
/// Orchestration overhead: every bundled trace planned one after another on the in-process durable host with
/// zero-latency replay agents, so all the time is the orchestrator's, the activities' and the host's. One
/// operation plans 232 steps: divide the mean by 232 for the overhead per step. Under both policies: the adaptive
/// (with the shipped prior) and dsp (τ 0.5, β 0: the cold-start depth 2 the first version ran with).
/// </summary>
[Config(typeof(ActivitySlotsConfig))]
public class OrchestrationBenchmarks
{
    private IReadOnlyList<AgentTrace> _traces = [];
    private InProcessPlanner _planner = null!;

    /// <summary>The policy the plans run under.</summary>
    [Params(PolicyNames.Adaptive, PolicyNames.Dsp)]
    public string Policy { get; set; } = PolicyNames.Adaptive;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _traces = BundledTraces.Load();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dsp:Agents:Replay:LatencyScale"] = 0.ToString(CultureInfo.InvariantCulture),
            ["Dsp:Agents:Replay:Traces:0"] = Path.Combine(AppContext.BaseDirectory, "traces", "openagi-gpt4turbo.jsonl"),
        }).Build();
        _planner = await InProcessPlanner.StartAsync(configuration, services => services.AddInMemoryStores());
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _planner.DisposeAsync();

    [Benchmark]
    public async Task<int> PlanEveryTraceWithZeroLatencyAgents()
    {
        var steps = 0;
        foreach (var trace in _traces)
        {
            var id = await _planner.StartPlanAsync(new PlanInput(trace.Task, 0.5f, 0, trace.Steps.Count, "exact", "default", trace.Id, Policy));
            steps += (await _planner.WaitAsync(id)).Plan.Count;
        }

        return steps;
    }

    /// <summary>The in-process host's activity slots scale with the processor count: raise it as <c>dsp plan</c> does.</summary>
    private sealed class ActivitySlotsConfig : ManualConfig
    {
        public ActivitySlotsConfig() =>
            AddJob(Job.ShortRun.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_PROCESSOR_COUNT", "64")));
    }
}
