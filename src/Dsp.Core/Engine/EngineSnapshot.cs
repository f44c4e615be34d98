namespace Dsp.Core.Engine;

/// <summary>
/// A plan's engine state between rounds: what <see cref="SpeculationEngine.Resume"/> needs to go on with it in another
/// engine — in a durable orchestration that continues as new, a later execution. The plan's history (verified steps,
/// verdicts, judged drafts) is not in it: the engine reported it as it went, and the driver keeps it where its size
/// does not weigh on every later step.
/// </summary>
/// <param name="Position">The first unverified position: where the next round starts.</param>
/// <param name="Rounds">Rounds begun so far; the next one is numbered this.</param>
/// <param name="AcceptedDrafts">Verified positions whose draft was accepted.</param>
/// <param name="RejectedDrafts">Verified positions whose draft was not accepted.</param>
/// <param name="AcceptedStreak">Drafts accepted in a row since the last rejected one.</param>
public sealed record EngineSnapshot(int Position, int Rounds, int AcceptedDrafts, int RejectedDrafts, int AcceptedStreak);
