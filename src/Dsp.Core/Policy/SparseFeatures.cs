namespace Dsp.Core.Policy;

/// <summary>A reusable sparse feature vector: parallel lists of indices and values (an index may repeat; values add).</summary>
public sealed class SparseFeatures
{
    private readonly List<int> _indices = [];
    private readonly List<float> _values = [];

    public int Count => _indices.Count;

    public ReadOnlySpan<int> Indices => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_indices);

    public ReadOnlySpan<float> Values => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_values);

    public void Add(int index, float value)
    {
        _indices.Add(index);
        _values.Add(value);
    }

    /// <summary>Multiplies the values from <paramref name="start"/> on by <paramref name="factor"/>.</summary>
    public void Scale(int start, float factor)
    {
        for (var i = start; i < _values.Count; i++)
        {
            _values[i] *= factor;
        }
    }

    /// <summary>The sum of squared values from <paramref name="start"/> on.</summary>
    public float SquaredNorm(int start)
    {
        var sum = 0f;
        for (var i = start; i < _values.Count; i++)
        {
            sum += _values[i] * _values[i];
        }

        return sum;
    }

    public void Clear()
    {
        _indices.Clear();
        _values.Clear();
    }

    /// <summary>A compact copy, for keeping features of many states.</summary>
    public (int[] Indices, float[] Values) ToArrays() => ([.. _indices], [.. _values]);
}
