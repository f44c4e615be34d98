using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Dsp.Core.Planning;
using Dsp.Core.Traces;
using Dsp.Functions;
using Dsp.Functions.Planning;
using Dsp.Hosting;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace Dsp.Cli.Commands;

/// <summary>
/// <c>dsp overhead</c>: what the durable backend costs a plan. Plans of given lengths run with zero-latency replay
/// agents, so all their time is the orchestrator's, the activities' and the backend's; several at once measure
/// throughput. Reports the overhead per step (mean, p50, p95), plans per minute and, on Azure Storage, the history each
/// plan leaves per step.
/// </summary>
internal sealed class OverheadCommand : Command
{
    private readonly Option<string> _durable = DurableBackends.CreateOption();

    private readonly Option<string?> _storage = new("--storage")
    {
        Description = "The storage account of the task hub (with --durable azure-storage), e.g. UseDevelopmentStorage=true",
        HelpName = "CONNECTION",
    };

    private readonly Option<int[]> _steps = new("--steps")
    {
        Description = "Plan lengths to measure",
        DefaultValueFactory = _ => [10, 50, 200],
        AllowMultipleArgumentsPerToken = true,
    };

    private readonly Option<int> _plans = new("--plans") { Description = "Plans running at once", DefaultValueFactory = _ => 1 };

    private readonly Option<int> _repeat = new("--repeat") { Description = "Batches per length", DefaultValueFactory = _ => 3 };

    private readonly Option<int?> _partitions = new("--partitions") { Description = "The provider's partitionCount (a new task hub is created per run)" };

    private readonly Option<int?> _activities = new("--max-activities") { Description = "Activities a worker runs at once" };

    private readonly Option<int?> _orchestrations = new("--max-orchestrations") { Description = "Orchestration episodes a worker runs at once" };

    private readonly Option<TimeSpan?> _polling = new("--max-polling-interval") { Description = "The provider's maxQueuePollingInterval", HelpName = "HH:MM:SS.FFF" };

    public OverheadCommand()
        : base("overhead", "Measure the durable backend's overhead per plan step and its throughput, with zero-latency agents.")
    {
        foreach (var option in new Option[] { _durable, _storage, _steps, _plans, _repeat, _partitions, _activities, _orchestrations, _polling })
        {
            Options.Add(option);
        }

        SetAction((parse, cancellationToken) => CommandActions.RunAsync(parse, RunAsync, cancellationToken));
    }

    private async Task RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var console = CliConsole.Create(parse.InvocationConfiguration.Output);
        var lengths = parse.GetValue(_steps)!;
        var plans = parse.GetValue(_plans);
        var repeat = parse.GetValue(_repeat);
        if (lengths.Length == 0 || lengths.Any(l => l is < 2 or > 1000) || plans < 1 || repeat < 1)
        {
            throw new CommandException("--steps must be 2…1000, --plans and --repeat at least 1.");
        }

        var directory = Directory.CreateTempSubdirectory("dsp-overhead-");
        try
        {
            var traces = lengths.Append(10).Distinct().Select(SyntheticTrace).ToList();
            var file = Path.Combine(directory.FullName, "synthetic.jsonl");
            TraceWriter.WriteFile(file, traces);
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Dsp:Agents:Replay:LatencyScale"] = "0",
                ["Dsp:Agents:Replay:Traces:0"] = file,
                ["Dsp:Plans:CancellationPollInterval"] = "00:00:00.020",
            }).AddEnvironmentVariables().Build();
            var durable = parse.GetValue(_durable)!;
            var storage = parse.GetValue(_storage);
            var options = DurableBackends.Options(configuration);
            options.TaskHubName = "overhead" + Guid.NewGuid().ToString("N")[..8];
            options.CompletionPollInterval = TimeSpan.FromMilliseconds(20);
            options.PartitionCount = parse.GetValue(_partitions) ?? options.PartitionCount;
            options.MaxConcurrentActivities = parse.GetValue(_activities) ?? options.MaxConcurrentActivities;
            options.MaxConcurrentOrchestrations = parse.GetValue(_orchestrations) ?? options.MaxConcurrentOrchestrations;
            options.MaxQueuePollingInterval = parse.GetValue(_polling) ?? options.MaxQueuePollingInterval;
            var backend = durable == DurableBackends.AzureStorage
                ? new AzureStorageDurableBackend(storage ?? throw new CommandException("--durable azure-storage needs --storage."), options)
                : DurableBackends.Create(durable, storage, configuration);

            await using var planner = await InProcessPlanner.StartAsync(configuration, services => services.AddInMemoryStores(), backend: backend);
            console.MarkupLine(Markup.Escape(Invariant($"{DurableBackends.Describe(durable)}; {plans} plan(s) at once, {repeat} batch(es) per length, zero-latency agents")));
            if (durable == DurableBackends.AzureStorage)
            {
                console.MarkupLine(Markup.Escape(Invariant(
                    $"task hub {options.TaskHubName}: partitionCount {options.PartitionCount}, max activities {options.MaxConcurrentActivities}, max orchestrations {options.MaxConcurrentOrchestrations}, maxQueuePollingInterval {options.MaxQueuePollingInterval.TotalSeconds} s")));
            }

            // Warm-up: the first plan pays for connections, queues and JIT.
            await BatchAsync(planner, traces.First(t => t.Steps.Count == 10), 1, cancellationToken);
            var table = new Table().AddColumns("Steps", "Plans", "Wall (s)", "Plans/min", "Per step mean (ms)", "p50 (ms)", "p95 (ms)", "History/step (KiB)", "×10-step");
            double? baseline = null;
            foreach (var length in lengths)
            {
                var trace = traces.First(t => t.Steps.Count == length);
                var perStep = new List<double>();
                var wall = TimeSpan.Zero;
                string? lastId = null;
                for (var batch = 0; batch < repeat; batch++)
                {
                    var (ids, latencies, elapsed) = await BatchAsync(planner, trace, plans, cancellationToken);
                    perStep.AddRange(latencies.Select(l => l.TotalMilliseconds / length));
                    wall += elapsed;
                    lastId = ids[^1];
                }

                var history = durable == DurableBackends.AzureStorage
                    ? (await TaskHubInspector.HistoryAsync(storage!, options.TaskHubName, lastId!, cancellationToken)).Bytes / 1024.0 / length
                    : (double?)null;
                var mean = perStep.Average();
                baseline ??= length == 10 ? mean : null;
                table.AddRow(
                    Invariant($"{length}"),
                    Invariant($"{plans * repeat}"),
                    Invariant($"{wall.TotalSeconds:0.0}"),
                    Invariant($"{plans * repeat / wall.TotalMinutes:0.0}"),
                    Invariant($"{mean:0.0}"),
                    Invariant($"{Percentile(perStep, 0.5):0.0}"),
                    Invariant($"{Percentile(perStep, 0.95):0.0}"),
                    history is { } h ? Invariant($"{h:0.0}") : "",
                    baseline is { } b ? Invariant($"{mean / b:0.00}") : "");
            }

            console.Write(table);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Starts <paramref name="count"/> plans of <paramref name="trace"/> at once; their latencies as the client saw them.</summary>
    private static async Task<(string[] Ids, TimeSpan[] Latencies, TimeSpan Wall)> BatchAsync(
        InProcessPlanner planner, AgentTrace trace, int count, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            var started = clock.Elapsed;
            var id = await planner.StartPlanAsync(new PlanInput(trace.Task, 0.5f, 0, trace.Steps.Count, "exact", "default", trace.Id), cancellationToken);
            var result = await planner.WaitAsync(id, cancellationToken);
            if (result.Outcome != PlanOutcomes.Completed || result.Plan.Count != trace.Steps.Count)
            {
                throw new CommandException($"Plan {id} of {trace.Steps.Count} steps ended {result.Outcome} with {result.Plan.Count} steps: {result.Error}");
            }

            return (id, clock.Elapsed - started);
        }));
        return ([.. results.Select(r => r.id)], [.. results.Select(r => r.Item2)], clock.Elapsed);
    }

    /// <summary>A recorded run of <paramref name="steps"/> short steps with zero latencies; the drafter is wrong at every
    /// fourth position, so rounds end at mismatches and branches are cancelled.</summary>
    private static AgentTrace SyntheticTrace(int steps) => new()
    {
        Id = Invariant($"synthetic-{steps}"),
        Task = Invariant($"Synthetic task of {steps} steps: restore a blurry photograph step by step."),
        Models = new TraceModels("gpt-4-turbo", "gpt-4-turbo"),
        Judge = "exact",
        Steps =
        [
            .. Enumerable.Range(0, steps).Select(i =>
            {
                var target = i == steps - 1 ? PlanSteps.Terminate : Invariant($"Step {i + 1}: Image Deblurring");
                var draft = i % 4 == 3 ? Invariant($"Step {i + 1}: Image Denoising") : target;
                return new TraceStep(new TraceCall(draft, 400, 10, 0), new TraceCall(target, 900, 20, 0));
            }),
        ],
    };

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
