namespace Dsp.Core.Policy;

/// <summary>Turns a policy state into a fixed-size (sparse) feature vector. Implementations must be deterministic
/// across processes, since snapshots trained on their features are stored and reloaded.</summary>
public interface IStateFeaturizer
{
    /// <summary>The size of the vectors: every index written is below it.</summary>
    int Dimension { get; }

    /// <summary>A name and settings that identify the features, stored in snapshots to catch a mismatch.</summary>
    string Signature { get; }

    /// <summary>Writes the state's non-zero features into <paramref name="features"/>, which is cleared first.</summary>
    void Featurize(PolicyState state, SparseFeatures features);
}
