namespace Dsp.Core.Policy;

/// <summary>
/// Hashed bag-of-n-grams features of the state's text, plus a few numeric features. Text features: task words and
/// word pairs, the task as a whole, the history's steps, the last two steps and their pair, the last step's
/// character trigrams, the round's drafts, and crosses of task, position and last step (so a policy can learn
/// both general and task-specific acceptance). The text part is L2-normalized. Hashing is FNV-1a, stable across
/// processes and platforms.
/// Stateless and thread-safe.
/// </summary>
public sealed class HashedTextFeaturizer : IStateFeaturizer
{
    /// <summary>The numeric features after the hashed ones: bias, position, drafts in the round, the run's
    /// smoothed acceptance rate, the accepted streak, and whether any draft was judged yet.</summary>
    public const int NumericFeatures = 6;

    private readonly int _mask;

    /// <param name="hashBits">The hashed part has 2^hashBits slots (8…20).</param>
    public HashedTextFeaturizer(int hashBits = 12)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hashBits, 8);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hashBits, 20);
        HashBits = hashBits;
        _mask = (1 << hashBits) - 1;
    }

    public int HashBits { get; }

    public int Dimension => (1 << HashBits) + NumericFeatures;

    public string Signature => $"hashed-text/1:{HashBits}";

    public void Featurize(PolicyState state, SparseFeatures features)
    {
        features.Clear();
        var history = state.History;
        var position = history.Count;
        var verified = position - state.DraftsInRound;
        var task = Fnv.Of(state.Task.Trim().ToLowerInvariant());
        var last = position > 0 ? Fnv.Of(history[^1]) : Fnv.Of("<start>");
        var beforeLast = position > 1 ? Fnv.Of(history[^2]) : Fnv.Of("<start>");
        var positionBucket = (uint)Math.Min(position, 15);

        AddWords(features, state.Task);
        Add(features, Fnv.Mix(1, task), 1f);
        Add(features, Fnv.Mix(2, last), 1f);
        Add(features, Fnv.Mix(3, Fnv.Mix(beforeLast, last)), 1f);
        Add(features, Fnv.Mix(4, positionBucket), 1f);
        Add(features, Fnv.Mix(5, Fnv.Mix(positionBucket, last)), 1f);
        Add(features, Fnv.Mix(6, Fnv.Mix(task, positionBucket)), 1f);
        Add(features, Fnv.Mix(7, Fnv.Mix(task, last)), 1f);
        Add(features, Fnv.Mix(8, Fnv.Mix(task, Fnv.Mix(beforeLast, last))), 1f);
        Add(features, Fnv.Mix(9, (uint)Math.Min(state.DraftsInRound, 8)), 1f);

        var historyWeight = position == 0 ? 0f : 1f / MathF.Sqrt(position);
        for (var i = 0; i < position; i++)
        {
            // Verified steps and the round's unverified drafts are told apart.
            Add(features, Fnv.Mix(i < verified ? 10u : 11u, Fnv.Of(history[i])), historyWeight);
        }

        if (position > 0)
        {
            AddTrigrams(features, history[^1]);
        }

        var norm = features.SquaredNorm(0);
        features.Scale(0, norm > 0 ? 1f / MathF.Sqrt(norm) : 0f);

        var numeric = 1 << HashBits;
        var judged = state.AcceptedDrafts + state.RejectedDrafts;
        features.Add(numeric, 1f);
        features.Add(numeric + 1, Math.Min(position, 30) / 10f);
        features.Add(numeric + 2, Math.Min(state.DraftsInRound, 10) / 5f);
        features.Add(numeric + 3, (state.AcceptedDrafts + 1f) / (judged + 2f));
        features.Add(numeric + 4, Math.Min(state.AcceptedStreak, 10) / 5f);
        features.Add(numeric + 5, judged > 0 ? 1f : 0f);
    }

    private void AddWords(SparseFeatures features, string text)
    {
        uint previous = 0;
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var isWordChar = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (isWordChar && start < 0)
            {
                start = i;
            }
            else if (!isWordChar && start >= 0)
            {
                var word = Fnv.OfLower(text.AsSpan(start, i - start));
                Add(features, Fnv.Mix(20, word), 0.5f);
                if (previous != 0)
                {
                    Add(features, Fnv.Mix(21, Fnv.Mix(previous, word)), 0.5f);
                }

                previous = word;
                start = -1;
            }
        }
    }

    private void AddTrigrams(SparseFeatures features, string step)
    {
        var text = step.AsSpan().Trim();
        for (var i = 0; i + 3 <= text.Length; i++)
        {
            Add(features, Fnv.Mix(30, Fnv.OfLower(text.Slice(i, 3))), 0.25f);
        }
    }

    private void Add(SparseFeatures features, uint hash, float value) => features.Add((int)(hash & (uint)_mask), value);

    /// <summary>32-bit FNV-1a: fast, and the same in every process.</summary>
    private static class Fnv
    {
        private const uint Offset = 2166136261;
        private const uint Prime = 16777619;

        public static uint Of(ReadOnlySpan<char> text)
        {
            var hash = Offset;
            foreach (var c in text)
            {
                hash = (hash ^ c) * Prime;
            }

            return hash;
        }

        public static uint OfLower(ReadOnlySpan<char> text)
        {
            var hash = Offset;
            foreach (var c in text)
            {
                hash = (hash ^ char.ToLowerInvariant(c)) * Prime;
            }

            return hash;
        }

        /// <summary>Combines two hashes (MurmurHash3's finalizer over a multiplicative mix).</summary>
        public static uint Mix(uint a, uint b)
        {
            var hash = (a * 0x9E3779B1u) ^ b;
            hash ^= hash >> 16;
            hash *= 0x85EBCA6Bu;
            hash ^= hash >> 13;
            hash *= 0xC2B2AE35u;
            return hash ^ (hash >> 16);
        }
    }
}
