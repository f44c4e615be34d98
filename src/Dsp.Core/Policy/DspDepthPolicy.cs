using Dsp.Core.Simulation;

namespace Dsp.Core.Policy;

/// <summary>
/// Dynamic Speculative Planning's depth: the value model's τ-expectile of the drafts that will be accepted from
/// here, rounded, plus β, within [kMin, kMax]; before the first training a configured default stands in for the
/// rounded prediction (β still applies). Not thread-safe
/// (it reuses a feature buffer): one instance per plan or per thread.
/// </summary>
public sealed class DspDepthPolicy : IDepthPolicy
{
    private readonly PolicySnapshot? _snapshot;
    private readonly IStateFeaturizer _featurizer;
    private readonly DepthSelection _selection;
    private readonly SparseFeatures _features = new();

    /// <param name="snapshot">The trained policy, or null before any training (cold start).</param>
    /// <param name="featurizer">The features the snapshot was trained on.</param>
    /// <param name="selection">τ, β and the depth bounds.</param>
    public DspDepthPolicy(PolicySnapshot? snapshot, IStateFeaturizer featurizer, DepthSelection selection)
    {
        if (snapshot is not null && snapshot.FeaturizerSignature != featurizer.Signature)
        {
            throw new ArgumentException(
                $"The snapshot was trained on features '{snapshot.FeaturizerSignature}', not '{featurizer.Signature}'.", nameof(featurizer));
        }

        _snapshot = snapshot;
        _featurizer = featurizer;
        _selection = selection.Validated();
    }

    public int ChooseDepth(in DepthRequest request)
    {
        var depth = _snapshot is null
            ? _selection.ColdStartDepth
            : (int)MathF.Round(PredictAcceptedDrafts(request.State), MidpointRounding.AwayFromZero);
        return Math.Clamp(depth + _selection.Offset, _selection.MinDepth, _selection.MaxDepth);
    }

    /// <summary>V_τ(s), or NaN before any training.</summary>
    public float PredictAcceptedDrafts(PolicyState state)
    {
        if (_snapshot is null)
        {
            return float.NaN;
        }

        _featurizer.Featurize(state, _features);
        return _snapshot.Model.Predict(_features.Indices, _features.Values, _selection.Tradeoff);
    }
}
