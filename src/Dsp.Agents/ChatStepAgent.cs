using System.Globalization;
using System.Text.RegularExpressions;
using Dsp.Core.Agents;
using Dsp.Core.Planning;

namespace Dsp.Agents;

/// <summary>
/// A live agent: a strategy of one or more streamed chat calls that yields one plan step. Usage (retries included) is
/// summed over the strategy's calls; a cancellation stops the call in flight and returns the usage so far with no step.
/// </summary>
public abstract partial class ChatStepAgent(ChatCaller chat, ChatSettings settings, PromptTemplates prompts, StepParser parser) : IStepAgent
{
    /// <summary>The priced model.</summary>
    public string Model => chat.Model;

    /// <summary>The deployment (or model) called.</summary>
    public string Deployment => chat.Deployment;

    /// <summary>The strategy's name.</summary>
    public abstract string Strategy { get; }

    protected PromptTemplates Prompts { get; } = prompts;

    protected StepParser Parser { get; } = parser;

    public async Task<StepResult> ProposeAsync(StepRequest request, CancellationToken cancellation)
    {
        var calls = new CallSequence(chat, settings, cancellation);
        if (cancellation.IsCancellationRequested)
        {
            return new StepResult(null, calls.Usage);
        }

        string? step;
        try
        {
            step = await ProposeAsync(request, calls);
        }
        catch (AgentException e) when (e.Retries != calls.Retries)
        {
            // The step's retries, not only those of the call that failed: the plan counts them all.
            throw new AgentException(e.Message, e.InnerException) { Retries = calls.Retries };
        }

        return new StepResult(calls.Cancelled ? null : step, calls.Usage);
    }

    /// <summary>Runs the strategy; returns null as soon as a call was cancelled.</summary>
    protected abstract Task<string?> ProposeAsync(StepRequest request, CallSequence calls);

    /// <summary>The system message: instructions and the allowed actions, never the task.</summary>
    protected PromptMessage SystemMessage() => PromptMessage.System(Fill(Prompts.System, null));

    /// <summary>The user message: the task and the steps so far, then the strategy's instruction.</summary>
    protected PromptMessage UserMessage(StepRequest request, string instruction) =>
        PromptMessage.User(Fill(Prompts.User, request) + "\n\n" + Fill(instruction, request));

    /// <summary>Replaces the placeholders of a template, in one pass: text put in (the user's task, a model's answer)
    /// is never read for placeholders itself, so a task that mentions <c>{history}</c> is sent as written.</summary>
    protected string Fill(string template, StepRequest? request, IReadOnlyDictionary<string, string>? extra = null)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["actions"] = Parser.AllowedActions.Count == 0
                ? string.Empty
                : Prompts.Actions.Replace("{list}", string.Join(", ", Parser.AllowedActions.Append(PlanSteps.Terminate)), StringComparison.Ordinal),
        };
        if (request is not null)
        {
            values["task"] = request.Task;
            values["history"] = History(request.Prefix);
            values["position"] = (request.Position + 1).ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            values[name] = value;
        }

        return Placeholder().Replace(template, match => values.TryGetValue(match.Groups[1].Value, out var value) ? value : match.Value);
    }

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();

    private static string History(IReadOnlyList<string> prefix) => prefix.Count == 0
        ? "(none yet)"
        : string.Join("\n", prefix.Select((step, i) => string.Create(CultureInfo.InvariantCulture, $"{i + 1}. {step}")));
}

/// <summary>The calls of one step: sums their usage and stops at the first cancellation.</summary>
public sealed class CallSequence(ChatCaller chat, ChatSettings settings, CancellationToken cancellation)
{
    private int _prompt;
    private int _completion;
    private double _latency;

    public bool Cancelled { get; private set; }

    /// <summary>How many calls were made.</summary>
    public int Count { get; private set; }

    /// <summary>Retries over all the calls, those of a call that failed included.</summary>
    public int Retries { get; private set; }

    public CallUsage Usage => new(_prompt, _completion, _latency, Cancelled || cancellation.IsCancellationRequested, Retries);

    /// <summary>One call; null when it was cancelled.</summary>
    public async Task<string?> AskAsync(IReadOnlyList<PromptMessage> messages)
    {
        if (Cancelled || cancellation.IsCancellationRequested)
        {
            Cancelled = true;
            return null;
        }

        Count++;
        ChatAnswer answer;
        try
        {
            answer = await chat.CompleteAsync(messages, settings, cancellation);
        }
        catch (AgentException e)
        {
            Retries += e.Retries;
            throw;
        }

        Retries += answer.Usage.Retries;
        _prompt += answer.Usage.PromptTokens;
        _completion += answer.Usage.CompletionTokens;
        _latency += answer.Usage.LatencySeconds;
        if (answer.Usage.Cancelled)
        {
            Cancelled = true;
            return null;
        }

        return answer.Text;
    }
}
