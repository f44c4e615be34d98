using System.Runtime.InteropServices;

namespace Dsp.Core.Acceptance;

/// <summary>How often something was seen, and how often with an accepted draft.</summary>
internal record struct Tally(float Accepted, float Seen);

/// <summary>The acceptance model's memory: tallies by hashed key (a key's kind is mixed into its hash).</summary>
internal sealed class CountTable
{
    private readonly Dictionary<ulong, Tally> _tallies;

    public CountTable(int capacity = 0) => _tallies = new Dictionary<ulong, Tally>(capacity);

    public int Count => _tallies.Count;

    public IEnumerable<KeyValuePair<ulong, Tally>> Entries => _tallies;

    public Tally this[ulong key] => _tallies.TryGetValue(key, out var tally) ? tally : default;

    public void Add(ulong key, bool accepted)
    {
        ref var tally = ref CollectionsMarshal.GetValueRefOrAddDefault(_tallies, key, out _);
        tally.Seen++;
        tally.Accepted += accepted ? 1 : 0;
    }

    public void Set(ulong key, Tally tally) => _tallies[key] = tally;
}
