using Dsp.Core.Agents;

namespace Dsp.Agents;

/// <summary><c>direct</c>: one call that answers with the next step.</summary>
public sealed class DirectAgent(ChatCaller chat, ChatSettings settings, PromptTemplates prompts, StepParser parser)
    : ChatStepAgent(chat, settings, prompts, parser)
{
    public override string Strategy => Strategies.Direct;

    protected override async Task<string?> ProposeAsync(StepRequest request, CallSequence calls)
    {
        var answer = await calls.AskAsync([SystemMessage(), UserMessage(request, Prompts.Direct)]);
        return answer is null ? null : Parser.Parse(answer, marker: null);
    }
}

/// <summary><c>cot</c>: one call that reasons, then ends with <c>Step: …</c>.</summary>
public sealed class ChainOfThoughtAgent(ChatCaller chat, ChatSettings settings, PromptTemplates prompts, StepParser parser)
    : ChatStepAgent(chat, settings, prompts, parser)
{
    public override string Strategy => Strategies.ChainOfThought;

    protected override async Task<string?> ProposeAsync(StepRequest request, CallSequence calls)
    {
        var answer = await calls.AskAsync([SystemMessage(), UserMessage(request, Prompts.ChainOfThought)]);
        return answer is null ? null : Parser.Parse(answer, "Step");
    }
}

/// <summary><c>react</c>: a thought call, then an action call that sees the thought and answers <c>Action: …</c>.</summary>
public sealed class ReactAgent(ChatCaller chat, ChatSettings settings, PromptTemplates prompts, StepParser parser)
    : ChatStepAgent(chat, settings, prompts, parser)
{
    public override string Strategy => Strategies.React;

    protected override async Task<string?> ProposeAsync(StepRequest request, CallSequence calls)
    {
        var system = SystemMessage();
        var ask = UserMessage(request, Prompts.ReactThought);
        var thought = await calls.AskAsync([system, ask]);
        if (thought is null)
        {
            return null;
        }

        var action = await calls.AskAsync([system, ask, PromptMessage.Assistant(thought), PromptMessage.User(Fill(Prompts.ReactAction, request))]);
        return action is null ? null : Parser.Parse(action, "Action");
    }
}

/// <summary>
/// <c>debate</c>: assistants A and B each propose the step, then for the remaining rounds each answers the
/// other's latest argument; a last call weighs both and answers <c>Step: …</c>. 2 × rounds + 1 calls.
/// </summary>
public sealed class DebateAgent(ChatCaller chat, ChatSettings settings, PromptTemplates prompts, StepParser parser, int rounds)
    : ChatStepAgent(chat, settings, prompts, parser)
{
    public int Rounds { get; } = rounds >= 1 ? rounds : throw new ArgumentOutOfRangeException(nameof(rounds), "A debate needs at least one round.");

    public override string Strategy => Strategies.Debate;

    protected override async Task<string?> ProposeAsync(StepRequest request, CallSequence calls)
    {
        var system = SystemMessage();
        var systemA = PromptMessage.System(system.Text + "\nIn this debate you are assistant A.");
        var systemB = PromptMessage.System(system.Text + "\nIn this debate you are assistant B.");
        var a = await calls.AskAsync([systemA, UserMessage(request, Prompts.DebateOpening)]);
        var b = a is null ? null : await calls.AskAsync([systemB, UserMessage(request, Prompts.DebateOpening)]);
        for (var round = 1; round < Rounds && a is not null && b is not null; round++)
        {
            a = await calls.AskAsync([systemA, UserMessage(request, Fill(Prompts.DebateRebuttal, request, Other(b)))]);
            b = a is null ? null : await calls.AskAsync([systemB, UserMessage(request, Fill(Prompts.DebateRebuttal, request, Other(a)))]);
        }

        if (a is null || b is null)
        {
            return null;
        }

        var verdict = await calls.AskAsync([system, UserMessage(request, Fill(Prompts.DebateVerdict, request, new Dictionary<string, string> { ["a"] = a, ["b"] = b }))]);
        return verdict is null ? null : Parser.Parse(verdict, "Step");
    }

    private static Dictionary<string, string> Other(string argument) => new() { ["other"] = argument };
}
