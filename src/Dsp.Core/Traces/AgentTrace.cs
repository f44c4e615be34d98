namespace Dsp.Core.Traces;

/// <summary>One recorded task in the <c>dsp-trace/1</c> format: for every step, what the drafter and the target
/// produced given the correct prefix, with tokens and latencies.</summary>
public sealed record AgentTrace
{
    /// <summary>The format this type reads and writes.</summary>
    public const string Schema = "dsp-trace/1";

    public required string Id { get; init; }

    public string? Benchmark { get; init; }

    /// <summary>The user's task.</summary>
    public required string Task { get; init; }

    public required TraceModels Models { get; init; }

    /// <summary>The judge that decided acceptance in the recorded run (<c>exact</c>, <c>tool-call</c>).</summary>
    public required string Judge { get; init; }

    /// <summary>How the recorded run went, when known.</summary>
    public RecordedRun? Recorded { get; init; }

    public required IReadOnlyList<TraceStep> Steps { get; init; }
}

/// <summary>Which models and strategies played the two roles.</summary>
public sealed record TraceModels(string Draft, string Target, string? DraftStrategy = null, string? TargetStrategy = null);

/// <summary>The original run: its measured end-to-end seconds and the depth chosen at each round.</summary>
public sealed record RecordedRun(double ElapsedSeconds, IReadOnlyList<int> RoundDepths);

/// <summary>The drafter's and the target's step for one position.</summary>
public sealed record TraceStep(TraceCall Draft, TraceCall Target);

/// <summary>One recorded call. A failed call has empty text and no latency or completion (taken as 0).</summary>
public sealed record TraceCall(string Text, int PromptTokens, int CompletionTokens, double LatencySeconds, bool Failed = false);
