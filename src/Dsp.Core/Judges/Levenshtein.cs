namespace Dsp.Core.Judges;

/// <summary>Edit distance between texts.</summary>
public static class Levenshtein
{
    /// <summary>The number of single-character insertions, deletions and substitutions that turn a into b.</summary>
    public static int Distance(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        if (a.Length < b.Length)
        {
            var swap = a;
            a = b;
            b = swap;
        }

        // One row of the dynamic-programming table, over the shorter text.
        Span<int> row = b.Length <= 256 ? stackalloc int[b.Length + 1] : new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            row[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                var substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
                row[j] = Math.Min(Math.Min(above + 1, row[j - 1] + 1), substitution);
                diagonal = above;
            }
        }

        return row[b.Length];
    }

    /// <summary>1 − distance / length of the longer text: 1 for equal texts (two empty texts included), 0 for nothing in common.</summary>
    public static double Similarity(string a, string b)
    {
        var longer = Math.Max(a.Length, b.Length);
        return longer == 0 ? 1.0 : 1.0 - (double)Distance(a, b) / longer;
    }
}
