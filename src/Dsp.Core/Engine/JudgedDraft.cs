namespace Dsp.Core.Engine;

/// <summary>A draft that finished and was judged against its target's step, on a correct prefix (every earlier draft
/// of its round was accepted): one labelled example of whether drafts are accepted.</summary>
/// <param name="Round">The round that made it, from 0.</param>
/// <param name="Position">The plan position it proposed a step for.</param>
/// <param name="RoundOffset">How many drafts of its round came before it.</param>
/// <param name="Draft">The drafted step.</param>
/// <param name="Accepted">Whether it was accepted (equal to the target's step, and finished in time).</param>
public readonly record struct JudgedDraft(int Round, int Position, int RoundOffset, string Draft, bool Accepted);
