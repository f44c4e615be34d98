using System.Text.Json;
using Dsp.Core.Engine;
using Dsp.Core.Judges;
using Dsp.Core.Planning;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Dsp.Functions.Planning;
using Microsoft.Extensions.Configuration;

namespace Dsp.Reliability.Tests;

/// <summary>The scripted plans, the app's settings against the server, and the engine's own account of a run.</summary>
internal static class Harness
{
    /// <summary>OpenAGI's tools, the allowed actions.</summary>
    public static readonly string[] Tools =
    [
        "Image Classification", "Colorization", "Object Detection", "Image Deblurring", "Image Denoising",
        "Image Super Resolution", "Image Captioning", "Text to Image Generation", "Visual Question Answering",
        "Sentiment Analysis", "Question Answering", "Text Summarization", "Text Generation", "Machine Translation",
        "Fill Mask",
    ];

    public const int PlanLength = 6;

    public static string Task(int plan) => $"Task {plan}: Given blurry image, how to return the regular image step by step?";

    /// <summary>What the target alone plans for plan <paramref name="plan"/>: five tools, then TERMINATE.</summary>
    public static IReadOnlyList<string> TargetPlan(int plan) =>
        [.. Enumerable.Range(0, PlanLength - 1).Select(i => Tools[(plan + (i * 4)) % Tools.Length]), PlanSteps.Terminate];

    /// <summary>The drafter agrees with the target for the first positions (0–3 of them, by plan), then is right
    /// only at some positions, so rounds end at mismatches and the branches past them are cancelled.</summary>
    public static bool DraftAgrees(int plan, int position) => position < plan % 4 || (plan * 31 + position * 17) % 5 < 2;

    public static string Answer(FaultRequest request)
    {
        var target = TargetPlan(request.Plan);
        var position = Math.Min(request.Position, target.Count - 1);
        return request.Deployment == "drafter" && !DraftAgrees(request.Plan, request.Position)
            ? Tools[(Array.IndexOf(Tools, target[position]) + 1) % Tools.Length]
            : target[position];
    }

    /// <param name="endpoint">The OpenAI-compatible server.</param>
    /// <param name="maxAttempts">Attempts of a model call.</param>
    /// <param name="attemptTimeout">How long an attempt may take (default 3 s: the server answers in milliseconds, and
    /// never when it injects a timeout).</param>
    /// <param name="more">Further settings, e.g. <see cref="StorageSettings"/>; they win over the defaults.</param>
    public static IConfiguration Configuration(Uri endpoint, int maxAttempts = 4, TimeSpan? attemptTimeout = null, IReadOnlyDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Dsp:OpenAI:Endpoint"] = endpoint.ToString(),
            ["Dsp:OpenAI:ApiKey"] = "test-key",
            ["Dsp:OpenAI:MaxAttempts"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Dsp:OpenAI:BaseDelay"] = "00:00:00.010",
            ["Dsp:OpenAI:MaxDelay"] = "00:00:01",
            ["Dsp:OpenAI:AttemptTimeout"] = (attemptTimeout ?? TimeSpan.FromSeconds(3)).ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["Dsp:Agents:Profiles:default:Draft:Deployment"] = "drafter",
            ["Dsp:Agents:Profiles:default:Draft:Model"] = "gpt-4.1-mini",
            ["Dsp:Agents:Profiles:default:Target:Deployment"] = "target",
            ["Dsp:Agents:Profiles:default:Target:Model"] = "gpt-4.1",
            ["Dsp:Agents:Replay:Traces:0"] = Path.Combine(AppContext.BaseDirectory, "traces", "openagi-gpt4turbo.jsonl"),
            ["Dsp:Plans:CancellationPollInterval"] = "00:00:00.010",
            ["Dsp:Policy:RefreshInterval"] = "00:00:00",
        };
        for (var i = 0; i < Tools.Length; i++)
        {
            settings[$"Dsp:Agents:Profiles:default:AllowedActions:{i}"] = Tools[i];
        }

        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }

    /// <summary>
    /// The app's Table and Blob stores on <paramref name="connectionString"/>, with tables and container of their
    /// own, quick storage retries, and cancellation polls every 100 ms (each poll is two storage reads).
    /// </summary>
    public static Dictionary<string, string?> StorageSettings(string connectionString)
    {
        var prefix = "r" + Guid.NewGuid().ToString("N")[..10];
        return new()
        {
            ["Dsp:Storage:ConnectionString"] = connectionString,
            ["Dsp:Storage:TablePrefix"] = prefix,
            ["Dsp:Storage:PolicyContainer"] = prefix + "-policies",
            ["Dsp:Storage:PlanContainer"] = prefix + "-plans",
            ["Dsp:Storage:MaxRetries"] = "6",
            ["Dsp:Storage:RetryDelay"] = "00:00:00.200",
            ["Dsp:Storage:MaxRetryDelay"] = "00:00:02",
            ["Dsp:Plans:CancellationPollInterval"] = "00:00:00.100",
        };
    }

    /// <summary>
    /// The training data a run must have recorded: the plan's rounds replayed through <see cref="SpeculationEngine"/>
    /// (whether each round drafted, then every call's outcome in the order the orchestrator received it, with each
    /// finished draft's decision to go on, skipping the cancelled branches), <see cref="TransitionBuilder.Build"/> of the
    /// resulting plan, verdicts and rounds, and the drafts it judged.
    /// </summary>
    public static (IReadOnlyList<string> Plan, IReadOnlyList<PolicyTransition> Transitions, IReadOnlyList<JudgedDraft> Judged) Expected(
        string runId, PlanInput input, PlanResult result)
    {
        var (engine, rounds) = Replay(input, result);
        return ([.. engine.Verified], TransitionBuilder.Build(runId, input.Task, engine.Verified, engine.Verdicts, rounds), [.. engine.JudgedDrafts]);
    }

    /// <summary>The <c>RecordRun</c> input of a completed run of one orchestration execution as the orchestrator sends
    /// it, rebuilt as <see cref="Expected"/> rebuilds its transitions.</summary>
    public static RecordInput Record(string runId, PlanInput input, PlanResult result)
    {
        var (engine, rounds) = Replay(input, result);
        return new RecordInput(
            result.Run with { RunId = runId }, input.Task, [], new PlanSegment([.. engine.Verified], [.. engine.Verdicts], rounds, [.. engine.JudgedDrafts], result.Calls));
    }

    private static (SpeculationEngine Engine, List<RoundOutcome> Rounds) Replay(PlanInput input, PlanResult result)
    {
        var engine = new SpeculationEngine(StepJudges.Create(input.Judge), new EngineOptions { MaxSteps = input.MaxSteps });
        var running = new HashSet<CallKey>();
        var rounds = new List<RoundOutcome>();
        var depths = new Queue<int>(result.Depths);
        void Apply(IReadOnlyList<EngineCommand> commands)
        {
            var round = engine.Rounds - 1;
            foreach (var command in commands)
            {
                switch (command.Kind)
                {
                    case EngineCommandKind.StartDraft:
                        running.Add(new CallKey(round, AgentRole.Draft, command.Position));
                        break;
                    case EngineCommandKind.StartTarget:
                        running.Add(new CallKey(round, AgentRole.Target, command.Position));
                        break;
                    case EngineCommandKind.CancelDraft:
                        running.Remove(new CallKey(round, AgentRole.Draft, command.Position));
                        break;
                    case EngineCommandKind.CancelTarget:
                        running.Remove(new CallKey(round, AgentRole.Target, command.Position));
                        break;
                    case EngineCommandKind.RoundEnded or EngineCommandKind.Completed or EngineCommandKind.Failed:
                        rounds.Add(engine.LastRound);
                        break;
                }
            }
        }

        foreach (var call in result.Calls)
        {
            while (engine.Status == EngineStatus.AwaitingRound)
            {
                Apply(engine.BeginRound(depths.Dequeue() > 0));
            }

            if (engine.Status != EngineStatus.Running || !running.Remove(call.Call))
            {
                continue;
            }

            Apply((call.Call.Role, call.Step) switch
            {
                (AgentRole.Draft, { } step) => engine.DraftCompleted(call.Call.Position, step, call.GoOn ?? throw new InvalidOperationException($"Draft {call.Call} has no decision.")),
                (AgentRole.Target, { } step) => engine.TargetCompleted(call.Call.Position, step),
                (AgentRole.Draft, null) => engine.DraftFailed(call.Call.Position),
                _ => engine.TargetFailed(call.Call.Position, call.Error ?? "no step"),
            });
        }

        Assert.Equal(EngineStatus.Completed, engine.Status);
        Assert.Empty(depths);
        return (engine, rounds);
    }

    /// <summary>A transition as comparable text (its state holds arrays).</summary>
    public static string Json(PolicyTransition transition) => JsonSerializer.Serialize(transition);
}
