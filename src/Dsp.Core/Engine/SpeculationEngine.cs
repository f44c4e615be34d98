using Dsp.Core.Judges;
using Dsp.Core.Planning;

namespace Dsp.Core.Engine;

/// <summary>
/// The speculative planning algorithm as a pure, deterministic state machine (DESIGN.md, "Timing semantics").
/// It owns no clock, no I/O and no randomness: a driver tells it whether each round drafts, which calls finished or
/// failed, in the order they did, and — with each finished draft — the policy's decision to go on; it answers with
/// <see cref="EngineCommand"/>s: which drafts and targets to start, which calls to cancel, which steps are verified,
/// and when the round or the plan is over.
/// </summary>
/// <remarks>
/// A round at verified position p starts draft p and target p together (or target p alone: depth 0). When draft i
/// finishes and the policy goes on, draft i+1 and target i+1 (conditioned on the drafts before it) start; the chain
/// always stops after a failed draft and, unless <see cref="EngineOptions.DraftPastTerminate"/>, after a drafted
/// TERMINATE. When target i finishes, draft i is accepted if it finished and the judge says it equals the target's
/// step; otherwise the target's step is kept at i, and every call beyond i (and draft i itself, if still running) is
/// cancelled. The round ends when its targets through the first non-accepted position have finished. Events about
/// calls that were cancelled are ignored, so a driver may report them late.
/// The command list returned by each method is reused: read it before the next call.
/// </remarks>
public sealed class SpeculationEngine
{
    private readonly IStepJudge _judge;
    private readonly EngineOptions _options;
    private readonly List<string> _verified = [];
    private readonly List<DraftVerdict> _verdicts = [];
    private readonly List<JudgedDraft> _judged = [];
    private readonly List<EngineCommand> _commands = [];

    // The open round's calls, indexed by offset from its start position.
    private CallState[] _drafts = new CallState[8];
    private CallState[] _targets = new CallState[8];
    private string?[] _draftSteps = new string?[8];
    private string?[] _targetSteps = new string?[8];
    private bool[] _accepted = new bool[8];

    private int _roundStart;
    private int _roundDepth;    // drafts started in this round
    private int _roundEnd;      // offsets at or beyond this will not be verified in this round: started, not cut off
    private int _resolved;      // offsets verified so far in this round
    private int _acceptedInRound;
    private int _rounds;
    private int _firstPosition; // the position the engine started at: 0, or where it resumed a plan

    /// <summary>Starts a plan at position 0, waiting for the first depth.</summary>
    public SpeculationEngine(IStepJudge judge, EngineOptions? options = null)
    {
        _judge = judge;
        _options = options ?? new EngineOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxSteps, 1, nameof(options));
    }

    /// <summary>
    /// Goes on with a plan from <paramref name="snapshot"/>, taken between rounds by <see cref="Snapshot"/>: the next
    /// round starts at its position, and counters and round numbers go on from it. The new engine's
    /// <see cref="Verified"/>, <see cref="Verdicts"/> and <see cref="JudgedDrafts"/> hold only what it verifies itself,
    /// from <see cref="FirstPosition"/> on.
    /// </summary>
    /// <exception cref="ArgumentException">The snapshot is inconsistent, or its plan is already finished.</exception>
    public static SpeculationEngine Resume(IStepJudge judge, EngineOptions options, EngineSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Position < 0 || snapshot.Position >= options.MaxSteps || snapshot.Rounds < 0
            || snapshot.AcceptedDrafts < 0 || snapshot.RejectedDrafts < 0 || snapshot.AcceptedDrafts + snapshot.RejectedDrafts > snapshot.Position
            || snapshot.AcceptedStreak < 0 || snapshot.AcceptedStreak > snapshot.AcceptedDrafts)
        {
            throw new ArgumentException($"Cannot resume a plan of at most {options.MaxSteps} steps from {snapshot}.", nameof(snapshot));
        }

        var engine = new SpeculationEngine(judge, options);
        engine._firstPosition = engine._roundStart = snapshot.Position;
        engine._rounds = snapshot.Rounds;
        engine.AcceptedDrafts = snapshot.AcceptedDrafts;
        engine.RejectedDrafts = snapshot.RejectedDrafts;
        engine.AcceptedStreak = snapshot.AcceptedStreak;
        return engine;
    }

    public EngineStatus Status { get; private set; }

    /// <summary>The position this engine started at: 0, or where it resumed a plan (<see cref="Resume"/>).</summary>
    public int FirstPosition => _firstPosition;

    /// <summary>The steps this engine verified, in order, from <see cref="FirstPosition"/>.</summary>
    public IReadOnlyList<string> Verified => _verified;

    /// <summary>How each position in <see cref="Verified"/> was decided, in order.</summary>
    public IReadOnlyList<DraftVerdict> Verdicts => _verdicts;

    /// <summary>Every draft that finished and was judged against its target on a correct prefix, in plan order: the
    /// acceptance model's labelled examples (of the positions in <see cref="Verified"/>).</summary>
    public IReadOnlyList<JudgedDraft> JudgedDrafts => _judged;

    /// <summary>The plan's verified steps so far, counting those before <see cref="FirstPosition"/>.</summary>
    public int VerifiedCount => _firstPosition + _verified.Count;

    /// <summary>Verified positions whose draft was accepted.</summary>
    public int AcceptedDrafts { get; private set; }

    /// <summary>Verified positions whose draft was not accepted (wrong, failed, or slower than its target).</summary>
    public int RejectedDrafts { get; private set; }

    /// <summary>Drafts accepted in a row since the last rejected one.</summary>
    public int AcceptedStreak { get; private set; }

    /// <summary>The first unverified position: where the open (or next) round starts.</summary>
    public int Position => _roundStart;

    /// <summary>Rounds begun so far.</summary>
    public int Rounds => _rounds;

    /// <summary>The outcome of the last finished round (valid after <see cref="EngineCommandKind.RoundEnded"/>,
    /// <see cref="EngineCommandKind.Completed"/> or <see cref="EngineCommandKind.Failed"/>).</summary>
    public RoundOutcome LastRound { get; private set; }

    /// <summary>Why the plan failed, when <see cref="Status"/> is <see cref="EngineStatus.Failed"/>.</summary>
    public string? FailureReason { get; private set; }

    /// <summary>The judge deciding acceptance.</summary>
    public IStepJudge Judge => _judge;

    /// <summary>
    /// What a new engine needs to go on with this plan (<see cref="Resume"/>): its position, round count and draft
    /// counters. Taken between rounds; the plan's history (verified steps, verdicts, judged drafts) is not part of it.
    /// </summary>
    /// <exception cref="InvalidOperationException">A round is in flight, or the plan is over.</exception>
    public EngineSnapshot Snapshot()
    {
        Expect(EngineStatus.AwaitingRound);
        return new EngineSnapshot(_roundStart, _rounds, AcceptedDrafts, RejectedDrafts, AcceptedStreak);
    }

    /// <summary>Forgets the plan and starts again at position 0, keeping the judge, options and buffers.</summary>
    public void Reset()
    {
        _verified.Clear();
        _verdicts.Clear();
        _judged.Clear();
        _commands.Clear();
        AcceptedDrafts = RejectedDrafts = AcceptedStreak = 0;
        _roundStart = _roundDepth = _roundEnd = _resolved = _acceptedInRound = _rounds = _firstPosition = 0;
        LastRound = default;
        FailureReason = null;
        Status = EngineStatus.AwaitingRound;
    }

    /// <summary>
    /// Begins a round at <see cref="Position"/>: starts draft and target there together, or the target alone when
    /// <paramref name="draft"/> is false (depth 0).
    /// </summary>
    public IReadOnlyList<EngineCommand> BeginRound(bool draft = true)
    {
        Expect(EngineStatus.AwaitingRound);
        _commands.Clear();

        EnsureCapacity(1);
        ClearOffset(0);
        _roundDepth = 0;
        _roundEnd = 1;
        _resolved = 0;
        _acceptedInRound = 0;
        _rounds++;
        Status = EngineStatus.Running;

        if (draft)
        {
            Start(AgentRole.Draft, 0);
        }

        Start(AgentRole.Target, 0);
        return _commands;
    }

    /// <summary>
    /// The round's first draft was not made after all (the policy, asked where the draft runs, chose the target
    /// alone): the round goes on as a depth-0 round.
    /// </summary>
    public IReadOnlyList<EngineCommand> DraftSkipped(int position)
    {
        _commands.Clear();
        if (TryRunningOffset(_drafts, position, out var offset) && offset == 0)
        {
            _drafts[0] = CallState.NotStarted;
            _roundDepth = 0;
        }

        return _commands;
    }

    /// <summary>
    /// The draft for <paramref name="position"/> finished with <paramref name="step"/>; <paramref name="goOn"/> is the
    /// policy's decision to chain the next draft and target on it. The chain stops regardless at the maximum step
    /// count and, unless <see cref="EngineOptions.DraftPastTerminate"/>, at a drafted TERMINATE.
    /// </summary>
    public IReadOnlyList<EngineCommand> DraftCompleted(int position, string step, bool goOn)
    {
        _commands.Clear();
        if (!TryRunningOffset(_drafts, position, out var offset))
        {
            return _commands;
        }

        _drafts[offset] = CallState.Completed;
        _draftSteps[offset] = step;
        var next = offset + 1;
        if (goOn
            && next == _roundEnd
            && _roundStart + next < _options.MaxSteps
            && (_options.DraftPastTerminate || !PlanSteps.IsTerminate(step)))
        {
            EnsureCapacity(next + 1);
            ClearOffset(next);
            _roundEnd = next + 1;
            Start(AgentRole.Draft, next);
            Start(AgentRole.Target, next);
        }

        return _commands;
    }

    /// <summary>The draft for <paramref name="position"/> failed: it can never be accepted, and nothing is chained on it.</summary>
    public IReadOnlyList<EngineCommand> DraftFailed(int position)
    {
        _commands.Clear();
        if (TryRunningOffset(_drafts, position, out var offset))
        {
            _drafts[offset] = CallState.Failed;
            _roundEnd = Math.Min(_roundEnd, offset + 1);
        }

        return _commands;
    }

    /// <summary>The target for <paramref name="position"/> finished with <paramref name="step"/>.</summary>
    public IReadOnlyList<EngineCommand> TargetCompleted(int position, string step)
    {
        _commands.Clear();
        if (!TryRunningOffset(_targets, position, out var offset))
        {
            return _commands;
        }

        _targets[offset] = CallState.Completed;
        _targetSteps[offset] = step;
        var accepted = _drafts[offset] == CallState.Completed && _judge.Accepts(_draftSteps[offset]!, step);
        _accepted[offset] = accepted;
        if (!accepted || PlanSteps.IsTerminate(step))
        {
            // Nothing beyond this position can be used any more.
            CancelFrom(offset + (accepted ? 1 : 0));
            _roundEnd = Math.Min(_roundEnd, offset + 1);
        }

        Advance();
        return _commands;
    }

    /// <summary>
    /// The target for <paramref name="position"/> failed (after the driver's own retries). The plan fails if every
    /// earlier position of the round is accepted, since the step is then needed; otherwise the failure is moot.
    /// </summary>
    public IReadOnlyList<EngineCommand> TargetFailed(int position, string reason)
    {
        _commands.Clear();
        if (!TryRunningOffset(_targets, position, out var offset))
        {
            return _commands;
        }

        _targets[offset] = CallState.Failed;
        _targetSteps[offset] = reason;
        CancelFrom(offset);
        _roundEnd = Math.Min(_roundEnd, offset + 1);
        Advance();
        return _commands;
    }

    /// <summary>Stops the plan (for example at a user's request), cancelling every running call.</summary>
    public IReadOnlyList<EngineCommand> Stop(string reason)
    {
        _commands.Clear();
        if (Status is EngineStatus.AwaitingRound or EngineStatus.Running)
        {
            Fail(reason);
        }

        return _commands;
    }

    /// <summary>
    /// The steps a call for <paramref name="position"/> is conditioned on: the verified plan, then (for a call
    /// inside the open round) the drafts of the positions before it. Ask when starting the call.
    /// </summary>
    /// <exception cref="InvalidOperationException">The engine resumed a plan: it does not hold the steps before
    /// <see cref="FirstPosition"/> (ask <see cref="DraftsBefore"/>).</exception>
    public IReadOnlyList<string> PrefixFor(int position)
    {
        ThrowIfResumed();
        var prefix = new List<string>(position);
        prefix.AddRange(_verified);
        prefix.AddRange(DraftsBefore(position));
        return prefix;
    }

    /// <summary>
    /// The part of a call's prefix (<see cref="PrefixFor"/>) beyond the verified plan: the open round's drafts of the
    /// positions from <see cref="VerifiedCount"/> up to <paramref name="position"/>. Ask when starting the call.
    /// </summary>
    public IReadOnlyList<string> DraftsBefore(int position)
    {
        var drafts = new List<string>(Math.Max(0, position - VerifiedCount));
        for (var p = VerifiedCount; p < position; p++)
        {
            drafts.Add(_draftSteps[p - _roundStart]
                ?? throw new InvalidOperationException($"Position {position} is not conditioned on a finished draft chain."));
        }

        return drafts;
    }

    /// <summary>
    /// <see cref="PrefixFor"/> without the copy: a view over the engine's own lists, valid only until the engine's next
    /// change (for a decision taken on the spot; copy it to keep it).
    /// </summary>
    /// <exception cref="InvalidOperationException">The engine resumed a plan (see <see cref="PrefixFor"/>).</exception>
    public IReadOnlyList<string> PrefixView(int position)
    {
        ThrowIfResumed();
        if (position < _verified.Count || position > _roundStart + _roundEnd)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, "Position is not at or inside the open round.");
        }

        return new Prefix(this, position);
    }

    private void ThrowIfResumed()
    {
        if (_firstPosition > 0)
        {
            throw new InvalidOperationException($"The engine resumed the plan at position {_firstPosition} and does not hold the steps before it.");
        }
    }

    private void Advance()
    {
        while (_resolved < _roundEnd)
        {
            var offset = _resolved;
            if (_targets[offset] == CallState.Failed)
            {
                Fail($"The target failed at step {_roundStart + offset + 1}: {_targetSteps[offset]}");
                return;
            }

            if (_targets[offset] != CallState.Completed)
            {
                return;
            }

            var step = _targetSteps[offset]!;
            var accepted = _accepted[offset];
            if (_drafts[offset] == CallState.Completed)
            {
                _judged.Add(new JudgedDraft(_rounds - 1, _roundStart + offset, offset, _draftSteps[offset]!, accepted));
            }

            _verified.Add(step);
            _resolved++;
            RecordVerdict(accepted);

            Emit(accepted ? EngineCommandKind.DraftAccepted : EngineCommandKind.TargetKept, _roundStart + offset);
            if (PlanSteps.IsTerminate(step) || VerifiedCount >= _options.MaxSteps)
            {
                EndRound(EngineStatus.Completed, EngineCommandKind.Completed);
                return;
            }

            if (!accepted)
            {
                break;
            }
        }

        EndRound(EngineStatus.AwaitingRound, EngineCommandKind.RoundEnded);
    }

    private void RecordVerdict(bool accepted)
    {
        if (_drafts[_resolved - 1] == CallState.NotStarted)
        {
            _verdicts.Add(DraftVerdict.NotDrafted);
        }
        else if (accepted)
        {
            _verdicts.Add(DraftVerdict.Accepted);
            _acceptedInRound++;
            AcceptedDrafts++;
            AcceptedStreak++;
        }
        else
        {
            _verdicts.Add(DraftVerdict.Rejected);
            RejectedDrafts++;
            AcceptedStreak = 0;
        }
    }

    private void EndRound(EngineStatus status, EngineCommandKind notice)
    {
        CancelFrom(_resolved);
        int? rejected = _resolved > 0 && !_accepted[_resolved - 1] ? _roundStart + _resolved - 1 : null;
        LastRound = new RoundOutcome(_rounds - 1, _roundStart, _roundDepth, _resolved, _acceptedInRound, rejected);
        _roundStart += _resolved;
        Status = status;
        Emit(notice, _roundStart);
    }

    private void Fail(string reason)
    {
        if (Status == EngineStatus.Running)
        {
            CancelFrom(_resolved);
            LastRound = new RoundOutcome(_rounds - 1, _roundStart, _roundDepth, _resolved, _acceptedInRound, null);
            _roundStart += _resolved;
        }

        FailureReason = reason;
        Status = EngineStatus.Failed;
        Emit(EngineCommandKind.Failed, _roundStart);
    }

    private void CancelFrom(int offset)
    {
        for (var i = offset; i < _roundEnd; i++)
        {
            if (_drafts[i] == CallState.Running)
            {
                _drafts[i] = CallState.Cancelled;
                Emit(EngineCommandKind.CancelDraft, _roundStart + i);
            }

            if (_targets[i] == CallState.Running)
            {
                _targets[i] = CallState.Cancelled;
                Emit(EngineCommandKind.CancelTarget, _roundStart + i);
            }
        }
    }

    private void Start(AgentRole role, int offset)
    {
        if (role == AgentRole.Draft)
        {
            _roundDepth++;
            _drafts[offset] = CallState.Running;
            Emit(EngineCommandKind.StartDraft, _roundStart + offset);
        }
        else
        {
            _targets[offset] = CallState.Running;
            Emit(EngineCommandKind.StartTarget, _roundStart + offset);
        }
    }

    private bool TryRunningOffset(CallState[] calls, int position, out int offset)
    {
        offset = position - _roundStart;
        return Status == EngineStatus.Running && offset >= 0 && offset < _roundEnd && calls[offset] == CallState.Running;
    }

    private void ClearOffset(int offset)
    {
        _drafts[offset] = CallState.NotStarted;
        _targets[offset] = CallState.NotStarted;
        _draftSteps[offset] = null;
        _targetSteps[offset] = null;
        _accepted[offset] = false;
    }

    private void Emit(EngineCommandKind kind, int position) => _commands.Add(new EngineCommand(kind, position));

    private void Expect(EngineStatus status)
    {
        if (Status != status)
        {
            throw new InvalidOperationException($"The engine is {Status}, not {status}.");
        }
    }

    private void EnsureCapacity(int size)
    {
        if (size <= _drafts.Length)
        {
            return;
        }

        var capacity = Math.Max(size, _drafts.Length * 2);
        Array.Resize(ref _drafts, capacity);
        Array.Resize(ref _targets, capacity);
        Array.Resize(ref _draftSteps, capacity);
        Array.Resize(ref _targetSteps, capacity);
        Array.Resize(ref _accepted, capacity);
    }

    /// <summary>The verified plan, then the open round's drafts, up to a position.</summary>
    private sealed class Prefix(SpeculationEngine engine, int count) : IReadOnlyList<string>
    {
        public int Count => count;

        public string this[int index] => (uint)index >= (uint)count
            ? throw new ArgumentOutOfRangeException(nameof(index))
            : index < engine._verified.Count ? engine._verified[index] : engine._draftSteps[index - engine._roundStart]!;

        public IEnumerator<string> GetEnumerator()
        {
            for (var i = 0; i < count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private enum CallState : byte
    {
        NotStarted,
        Running,
        Completed,
        Failed,
        Cancelled,
    }
}
