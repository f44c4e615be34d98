using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dsp.Agents;
using Dsp.Core.Acceptance;
using Dsp.Core.Agents;
using Dsp.Core.Policy;
using Dsp.Core.Simulation;
using Dsp.Core.Traces;
using Dsp.Functions;
using Dsp.Functions.Http;
using Dsp.Cli.Planning;
using Dsp.Functions.Planning;
using Dsp.Functions.Policy;
using Dsp.Hosting;
using Dsp.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Dsp.Cli.Commands;

/// <summary>
/// <c>dsp plan</c>: plans one task with the Functions app's own orchestrator and activities, hosted in this
/// process, with replay agents and embedded (or Azure) storage; shows the verified steps as they arrive and ends
/// with latency and cost against the target alone.
/// </summary>
internal sealed class PlanCommand : Command
{
    private readonly Option<string?> _task = new("--task") { Description = "The task to plan (replay agents play its recorded trace)", HelpName = "TEXT" };

    private readonly Option<string?> _traceId = new("--trace-id") { Description = "The recorded trace to play [default: the first bundled one]", HelpName = "ID" };

    private readonly Option<string?> _policy = new Option<string?>("--policy")
    {
        Description = "adaptive (decides after every draft, knob --value-of-time) or dsp (the paper's depth, knobs --tradeoff and --offset) [default: adaptive, or dsp when --tradeoff or --offset is given]",
    }.AcceptOnlyFromAmong([.. PolicyNames.All]);

    private readonly Option<double?> _valueOfTime = new("--value-of-time")
    {
        Description = $"adaptive: dollars one second of plan latency saved is worth [default: {PolicyOptions.DefaultValueOfTime}]",
        HelpName = "DOLLARS",
    };

    private readonly Option<double?> _tradeoff = new("--tradeoff") { Description = $"dsp: τ, the latency↔cost knob in (0, 1) [default: {PlanRequestValidator.DefaultTradeoff}]" };

    private readonly Option<int?> _offset = new("--offset") { Description = "dsp: β, added to the predicted depth (−3…5) [default: 0]" };

    private readonly Option<int> _maxSteps = new("--max-steps") { Description = $"Stop after this many steps (1…{PlanRequestValidator.MaxSteps})", DefaultValueFactory = _ => PlanRequestValidator.DefaultMaxSteps };

    private readonly Option<string> _judge = new("--judge") { Description = "exact or tool-call", DefaultValueFactory = _ => "exact" };

    private readonly ReplayOptions _replay = new();

    private readonly Option<string?> _storage = new("--storage")
    {
        Description = "An Azure Storage connection string (e.g. UseDevelopmentStorage=true for Azurite) [default: in memory]",
        HelpName = "CONNECTION",
    };

    private readonly Option<string> _durable = DurableBackends.CreateOption();

    private readonly Option<FileInfo?> _json = new("--json") { Description = "Write the plan and its metrics as JSON", HelpName = "OUT.json" };

    private readonly Option<bool> _live = new("--live")
    {
        Description = "Plan with the live agents configured in the environment (Dsp__OpenAI__*, Dsp__Agents__Profiles__NAME__*)",
    };

    private readonly Option<string> _agents = new("--agents")
    {
        Description = "The agent profile (with --live: a configured live profile; else default or replay)",
        HelpName = "NAME",
        DefaultValueFactory = _ => PlanRequestValidator.DefaultAgents,
    };

    private readonly Option<FileInfo?> _record = new("--record") { Description = "Write the run as a dsp-trace/1 trace (replayable with --traces / dsp bench)", HelpName = "FILE.jsonl" };

    public PlanCommand()
        : base("plan", "Plan a task with speculative planning, hosting the Functions app's orchestrator in-process.")
    {
        foreach (var option in new Option[] { _task, _traceId, _policy, _valueOfTime, _tradeoff, _offset, _maxSteps, _judge, _replay.Traces, _replay.Speed, _storage, _durable, _json, _live, _agents, _record })
        {
            Options.Add(option);
        }

        SetAction((parse, cancellationToken) => CommandActions.RunAsync(parse, PlanAsync, cancellationToken));
    }

    private async Task PlanAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var console = CliConsole.Create(parse.InvocationConfiguration.Output);
        var (traces, speed, settings) = _replay.Read(parse);
        settings["Dsp:Plans:CancellationPollInterval"] = "00:00:00.020";

        var storage = parse.GetValue(_storage);
        if (storage is not null)
        {
            settings["Dsp:Storage:ConnectionString"] = storage;
        }

        var live = parse.GetValue(_live);
        var agents = parse.GetValue(_agents) ?? PlanRequestValidator.DefaultAgents;
        var builder = new ConfigurationBuilder().AddInMemoryCollection(settings);
        if (live)
        {
            // Live agents are configured as the Functions app is: Dsp__OpenAI__*, Dsp__Agents__Profiles__NAME__*.
            builder.AddEnvironmentVariables();
        }

        var configuration = builder.Build();
        if (live && !LiveAgentProfiles.ConfiguredNames(configuration).Contains(agents, StringComparer.Ordinal))
        {
            throw new CommandException(
                $"--live: no live agent profile '{agents}' is configured. Set Dsp__OpenAI__Endpoint (and Dsp__OpenAI__ApiKey, or sign in for Entra ID), " +
                $"Dsp__Agents__Profiles__{agents}__Draft__Deployment and Dsp__Agents__Profiles__{agents}__Target__Deployment (see the README).");
        }

        var recorded = InputFiles.Read(traces, TraceReader.ReadFiles, "traces");
        var (task, traceId) = TaskOf(parse, recorded, live);
        var prior = PriorFor(task, recorded);
        var durable = parse.GetValue(_durable)!;
        await using var planner = await Start(configuration, storage is not null, prior, DurableBackends.Create(durable, storage, configuration));
        var input = Validate(planner.Services.GetRequiredService<PlanRequestValidator>(), parse, task, traceId, agents);
        var profile = planner.Services.GetRequiredService<IAgentProfiles>().Find(input.Agents)!;

        console.MarkupLine($"[bold]Planning[/] {Markup.Escape(input.Task)}");
        var agentsText = live ? $"live agents '{input.Agents}' ({profile.Draft.Model} drafts, {profile.Target.Model} decides)" : $"replay at {speed}× speed";
        var policyText = input.Policy == PolicyNames.Adaptive
            ? Invariant($"adaptive policy at ${input.ValueOfTime} per second saved, {prior?.Source ?? "the bundled prior"}")
            : Invariant($"dsp policy, τ = {input.Tradeoff}, β = {input.Offset}");
        console.MarkupLine(Markup.Escape(Invariant($"{policyText}; judge {input.Judge}, {agentsText}, {(storage is null ? "in-memory storage" : "Azure Storage")}, {DurableBackends.Describe(durable)}")));
        var id = await planner.StartPlanAsync(input, cancellationToken);
        using var stop = cancellationToken.Register(() => _ = planner.StopAsync(id, "interrupted", CancellationToken.None));
        await new PlanProgressView(console, planner.Client).FollowAsync(id, CancellationToken.None);

        PlanResult result;
        try
        {
            result = await planner.WaitAsync(id, CancellationToken.None);
        }
        catch (InvalidOperationException e)
        {
            throw new CommandException(e.Message, e);
        }

        PlanSummary.Write(console, result, live ? 1 : speed);
        if (parse.GetValue(_json) is { } json)
        {
            OutputFile.Write(console, json, path => File.WriteAllText(path, JsonSerializer.Serialize(result, PlanResultJson.Options)));
        }

        if (parse.GetValue(_record) is { } record)
        {
            if (result.Plan.Count == 0)
            {
                throw new CommandException($"--record: the plan {result.Outcome.ToLowerInvariant()} before its first step; there is nothing to record ({result.Error}).");
            }

            var trace = PlanTraces.FromResult(id, input, result, profile, live ? null : "replay");
            OutputFile.Write(console, record, path => TraceWriter.WriteFile(path, [trace]));
        }

        if (result.Outcome != PlanOutcomes.Completed)
        {
            throw new CommandException($"The plan {result.Outcome.ToLowerInvariant()}: {result.Error}");
        }
    }

    private static async Task<InProcessPlanner> Start(IConfiguration configuration, bool azureStorage, PriorPolicy? prior, IDurableBackend backend)
    {
        try
        {
            return await InProcessPlanner.StartAsync(
                configuration,
                services =>
                {
                    if (azureStorage)
                    {
                        services.AddDspStorage(configuration);
                    }
                    else
                    {
                        services.AddInMemoryStores();
                    }
                },
                services =>
                {
                    if (prior is not null)
                    {
                        services.AddSingleton(prior);
                    }
                },
                backend);
        }
        catch (Exception e) when (e is FormatException or IOException or ArgumentException or InvalidOperationException or Azure.RequestFailedException)
        {
            throw new CommandException(e.Message, e);
        }
    }

    /// <summary>The task to plan and, for replay agents, the trace to play.</summary>
    private (string Task, string? TraceId) TaskOf(ParseResult parse, IReadOnlyList<AgentTrace> traces, bool live)
    {
        var task = parse.GetValue(_task);
        var traceId = parse.GetValue(_traceId);
        if (live)
        {
            // Live agents plan any task; without one, the task of the first bundled trace (or of --trace-id).
            task ??= traceId is null ? traces[0].Task : traces.FirstOrDefault(t => t.Id == traceId)?.Task;
            traceId = null;
        }
        else if (task is null && traceId is null)
        {
            traceId = traces[0].Id;
        }

        return (task ?? traces.FirstOrDefault(t => t.Id == traceId)?.Task ?? string.Empty, traceId);
    }

    /// <summary>
    /// When the task is one of the recorded ones, the prior trained on the bundled traces without it — so that the plan
    /// is not helped by data it has seen — else null (the app's shipped prior).
    /// </summary>
    private static PriorPolicy? PriorFor(string task, IReadOnlyList<AgentTrace> recorded)
    {
        var bundled = TraceReader.ReadFile(ReplayAgentOptions.BundledTraces);
        if (!recorded.Concat(bundled).Any(t => AcceptancePrior.SameTask(t.Task, task)))
        {
            return null;
        }

        var others = bundled.Count(t => !AcceptancePrior.SameTask(t.Task, task));
        return others == 0
            ? new PriorPolicy(null, "no prior: every bundled trace plays this task")
            : new PriorPolicy(
                AcceptancePrior.Train(bundled, new SimulationOptions(), task),
                Invariant($"prior trained on the bundled traces without this task ({others} of {bundled.Count} runs), so the plan is not scored on data it has seen"));
    }

    /// <summary>Checks the options exactly as <c>POST /api/plans</c> checks a body, naming the option at fault.</summary>
    private PlanInput Validate(PlanRequestValidator validator, ParseResult parse, string task, string? traceId, string agents)
    {
        var body = new JsonObject
        {
            ["task"] = task,
            ["policy"] = parse.GetValue(_policy),
            ["valueOfTime"] = parse.GetValue(_valueOfTime),
            ["tradeoff"] = parse.GetValue(_tradeoff),
            ["offset"] = parse.GetValue(_offset),
            ["maxSteps"] = parse.GetValue(_maxSteps),
            ["judge"] = parse.GetValue(_judge),
            ["agents"] = agents,
            ["traceId"] = traceId,
        };
        using var document = JsonDocument.Parse(body.ToJsonString());
        var (input, errors) = validator.Validate(document.RootElement);
        return input ?? throw new CommandException(string.Join(Environment.NewLine, errors.Select(e => $"{OptionFor(e.Key)}: {string.Join(" ", e.Value)}")));
    }

    private static string OptionFor(string field) => field switch
    {
        "traceId" => "--trace-id",
        "maxSteps" => "--max-steps",
        "valueOfTime" => "--value-of-time",
        _ => $"--{field}",
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
