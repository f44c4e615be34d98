namespace Dsp.Agents;

/// <summary>
/// The prompts, with placeholders in braces: <c>{task}</c>, <c>{history}</c>, <c>{position}</c> (1-based),
/// <c>{actions}</c>, and for debates <c>{other}</c>, <c>{a}</c>, <c>{b}</c>. The task is only ever placed in user
/// messages (<see cref="User"/>); the system message carries instructions alone.
/// </summary>
public sealed class PromptTemplates
{
    /// <summary>The system message: the agent's role and the allowed actions.</summary>
    public string System { get; set; } =
        "You are a planning agent. You solve a task one step at a time: each answer gives exactly one next step. {actions}" +
        "When the task is complete, the next step is TERMINATE.";

    /// <summary>How the allowed actions are stated in <c>{actions}</c> (empty when any step is allowed).</summary>
    public string Actions { get; set; } = "Every step is exactly one of these actions, spelled as given: {list}. ";

    /// <summary>The user message: the task and the steps so far.</summary>
    public string User { get; set; } = "Task: {task}\n\nSteps so far:\n{history}\n\nWhat is step {position}?";

    /// <summary>direct: how to answer.</summary>
    public string Direct { get; set; } = "Answer with step {position} only, on a single line, with no explanation.";

    /// <summary>cot: reason, then the step.</summary>
    public string ChainOfThought { get; set; } =
        "Think step by step about what should be done next. Then end with a final line of the form\nStep: <the step>";

    /// <summary>react, first call: the thought.</summary>
    public string ReactThought { get; set; } =
        "First think: in two or three sentences, what should be done next and why? Do not give the step yet.";

    /// <summary>react, second call: the action.</summary>
    public string ReactAction { get; set; } = "Now give step {position} as a single line of the form\nAction: <the step>";

    /// <summary>debate: an assistant's first argument.</summary>
    public string DebateOpening { get; set; } =
        "Propose step {position} and argue briefly for it. End with a final line of the form\nStep: <the step>";

    /// <summary>debate: an answer to the other assistant's argument.</summary>
    public string DebateRebuttal { get; set; } =
        "Another assistant argued:\n{other}\n\nReconsider step {position} in the light of it. Argue briefly, then end with a final line of the form\nStep: <the step>";

    /// <summary>debate: the final answer.</summary>
    public string DebateVerdict { get; set; } =
        "Two assistants debated step {position}.\n\nAssistant A:\n{a}\n\nAssistant B:\n{b}\n\nDecide step {position}. Answer with a single line of the form\nStep: <the step>";
}
