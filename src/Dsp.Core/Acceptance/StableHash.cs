namespace Dsp.Core.Acceptance;

/// <summary>
/// 64-bit hashes of step and task text that are the same in every process and on every platform (FNV-1a over the
/// trimmed, lower-cased text, combined with SplitMix64's finalizer), so that stored models keep their meaning.
/// </summary>
internal static class StableHash
{
    private const ulong Offset = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    /// <summary>The hash of a step or task as the model sees it: surrounding white space and case do not count.</summary>
    public static ulong OfText(ReadOnlySpan<char> text)
    {
        var hash = Offset;
        foreach (var c in text.Trim())
        {
            hash = (hash ^ char.ToLowerInvariant(c)) * Prime;
        }

        return Finalize(hash);
    }

    /// <summary>Combines two hashes (order matters).</summary>
    public static ulong Mix(ulong a, ulong b) => Finalize((a * 0x9E3779B97F4A7C15UL) ^ b);

    public static ulong Mix(ulong a, ulong b, ulong c) => Mix(Mix(a, b), c);

    public static ulong Mix(ulong a, ulong b, ulong c, ulong d) => Mix(Mix(Mix(a, b), c), d);

    private static ulong Finalize(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
