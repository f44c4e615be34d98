using Dsp.Core.Runs;
using Microsoft.Extensions.Caching.Memory;

namespace Dsp.Functions.Planning;

/// <summary>
/// The task and the steps a call is conditioned on, as its input carries them: what is stored once for the whole plan
/// by reference (<see cref="Chunk"/>), the rest inline. Sending the whole prefix with every call would make a plan's
/// history grow with the square of its length.
/// </summary>
/// <param name="Chunk">The newest stored context chunk the call builds on: the task and the first verified steps;
/// null while none is stored.</param>
/// <param name="Task">The task, while no chunk holds it.</param>
/// <param name="Steps">The rest of the prefix: verified steps not in the chunk yet, then the round's drafts before the
/// call's position.</param>
public sealed record PlanContextRef(string? Chunk, string? Task, IReadOnlyList<string> Steps);

/// <summary>
/// One stored piece of a plan's context: the task (in the first chunk) or the verified steps that follow the earlier
/// chunks'.
/// </summary>
/// <param name="Ancestors">The names of the earlier chunks, first to last.</param>
/// <param name="Task">The task, in the first chunk only.</param>
/// <param name="Steps">The verified steps after the earlier chunks' steps.</param>
public sealed record ContextChunk(IReadOnlyList<string> Ancestors, string? Task, IReadOnlyList<string> Steps)
{
    public const string Kind = "context";
}

/// <summary>What of a plan's context is stored, as its orchestrator tracks it.</summary>
/// <param name="Chunk">The newest stored chunk (null: none yet).</param>
/// <param name="Ancestors">The chunks before it, first to last.</param>
/// <param name="Steps">How many verified steps the chunks hold.</param>
public sealed record SavedContext(string? Chunk, IReadOnlyList<string> Ancestors, int Steps)
{
    public static SavedContext None { get; } = new(null, [], 0);
}

/// <summary>
/// Reads a call's context: the task and the whole prefix. Stored chunks never change, so each is read once per process
/// and kept (within a budget of characters, least recently used first out); a chunk's earlier chunks are read at once.
/// </summary>
public sealed class PlanContextReader(IPlanContentStore store) : IDisposable
{
    /// <summary>Characters of chunk text kept in memory.</summary>
    private const long CacheCharacters = 32L * 1024 * 1024;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = CacheCharacters });

    /// <summary>The task and the full prefix a call with <paramref name="context"/> is conditioned on.</summary>
    /// <exception cref="InvalidOperationException">A chunk the context refers to is not stored.</exception>
    public async Task<(string Task, IReadOnlyList<string> Prefix)> ReadAsync(string runId, PlanContextRef context, CancellationToken cancellationToken)
    {
        if (context.Chunk is null)
        {
            return (context.Task ?? throw new InvalidOperationException($"A call of plan {runId} carries neither its task nor a context chunk."), context.Steps);
        }

        var stored = await ResolveAsync(runId, context.Chunk, cancellationToken);
        return (stored.Task, context.Steps.Count == 0 ? stored.Steps : [.. stored.Steps, .. context.Steps]);
    }

    public void Dispose() => _cache.Dispose();

    private async Task<StoredContext> ResolveAsync(string runId, string name, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue((runId, name), out StoredContext? known))
        {
            return known!;
        }

        var chunk = await ReadChunkAsync(runId, name, cancellationToken);

        // The newest earlier chunk already known, then the ones after it, read together.
        var from = chunk.Ancestors.Count;
        StoredContext? context = null;
        while (from > 0 && !_cache.TryGetValue((runId, chunk.Ancestors[from - 1]), out context))
        {
            from--;
        }

        var missing = chunk.Ancestors.Skip(from).ToList();
        var earlier = await Task.WhenAll(missing.Select(ancestor => ReadChunkAsync(runId, ancestor, cancellationToken)));
        for (var i = 0; i < earlier.Length; i++)
        {
            context = Remember(runId, missing[i], context, earlier[i]);
        }

        return Remember(runId, name, context, chunk);
    }

    private StoredContext Remember(string runId, string name, StoredContext? before, ContextChunk chunk)
    {
        var task = before?.Task ?? chunk.Task ?? throw new InvalidOperationException($"Plan {runId}'s context chunk '{name}' has no task before it.");
        var context = new StoredContext(task, before is null ? chunk.Steps : [.. before.Steps, .. chunk.Steps]);
        _cache.Set((runId, name), context, new MemoryCacheEntryOptions
        {
            Size = 1 + (chunk.Task?.Length ?? 0) + chunk.Steps.Sum(s => (long)s.Length),
            SlidingExpiration = TimeSpan.FromMinutes(30),
        });
        return context;
    }

    private async Task<ContextChunk> ReadChunkAsync(string runId, string name, CancellationToken cancellationToken) =>
        PlanContent.Deserialize<ContextChunk>(runId, name, await store.ReadAsync(runId, name, cancellationToken));

    private sealed record StoredContext(string Task, IReadOnlyList<string> Steps);
}
