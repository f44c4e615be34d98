using System.Numerics.Tensors;

namespace Dsp.Core.Policy;

/// <summary>
/// Trains the value model on transitions with the expectile loss on λ-returns and AdamW, warm-starting from the
/// current snapshot, and returns the next snapshot. Deterministic: the same snapshot, transitions and seed give
/// the same result. All heads learn in one pass.
/// </summary>
public sealed class PolicyTrainer(TrainerOptions options, IStateFeaturizer featurizer)
{
    private const float Beta1 = 0.9f;
    private const float Beta2 = 0.999f;
    private const float Epsilon = 1e-8f;
    private const int MaximumEpochs = 400;

    public TrainerOptions Options => options;

    public IStateFeaturizer Featurizer => featurizer;

    /// <summary>Trains on <paramref name="transitions"/>, starting from <paramref name="current"/> when it has the
    /// same shape (else from fresh weights).</summary>
    /// <param name="current">The snapshot to warm-start from, if any.</param>
    /// <param name="transitions">What to train on.</param>
    /// <param name="version">The new snapshot's version; by default the one after <paramref name="current"/>'s.</param>
    /// <exception cref="InvalidTransitionException">A transition is inconsistent; nothing is trained.</exception>
    public PolicySnapshot Train(PolicySnapshot? current, IReadOnlyList<PolicyTransition> transitions, long? version = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(transitions.Count);
        TransitionValidator.Validate(transitions);

        var model = current is not null && CanWarmStart(current)
            ? current.Model.Clone()
            : ExpectileValueModel.Create(featurizer.Dimension, options.HiddenUnits, options.Taus, options.Seed);
        var data = Featurize(transitions);
        var run = new TrainingRun(model, options, data);
        var loss = run.Fit(new Random(options.Seed));
        return new PolicySnapshot(version ?? (current?.Version ?? 0) + 1, transitions.Count, loss, featurizer.Signature, model);
    }

    /// <summary>Whether training can start from <paramref name="snapshot"/>'s weights (same features, shape and
    /// τ grid); otherwise <see cref="Train"/> starts from fresh weights.</summary>
    public bool CanWarmStart(PolicySnapshot snapshot) =>
        snapshot.FeaturizerSignature == featurizer.Signature
        && snapshot.Model.Inputs == featurizer.Dimension
        && snapshot.Model.Hidden == options.HiddenUnits
        && snapshot.Model.Taus.SequenceEqual(options.Taus);

    private Samples Featurize(IReadOnlyList<PolicyTransition> transitions)
    {
        var features = new SparseFeatures();
        var samples = new Samples(transitions.Count);
        for (var i = 0; i < transitions.Count; i++)
        {
            featurizer.Featurize(transitions[i].State, features);
            (samples.Indices[i], samples.Values[i]) = features.ToArrays();
            samples.Rewards[i] = transitions[i].Reward;
            samples.EndsSegment[i] = transitions[i].EndsSegment;
        }

        return samples;
    }

    private sealed class Samples(int count)
    {
        public int Count => count;

        public int[][] Indices { get; } = new int[count][];

        public float[][] Values { get; } = new float[count][];

        public float[] Rewards { get; } = new float[count];

        public bool[] EndsSegment { get; } = new bool[count];
    }

    /// <summary>One training: the AdamW state, gradient buffers and the epoch loop.</summary>
    private sealed class TrainingRun
    {
        private readonly ExpectileValueModel _model;
        private readonly TrainerOptions _options;
        private readonly Samples _data;
        private readonly int _hidden;
        private readonly int _heads;

        // AdamW moments for every parameter; the input weights are updated lazily, row by touched row.
        private readonly float[] _inputM, _inputV, _hiddenBiasM, _hiddenBiasV, _headM, _headV, _headBiasM, _headBiasV;

        // Gradients of one minibatch.
        private readonly float[] _inputGrad, _hiddenBiasGrad, _headGrad, _headBiasGrad;
        private readonly bool[] _rowTouched;
        private readonly List<int> _touchedRows = [];

        // Per-sample scratch.
        private readonly float[] _pre, _act, _logits, _values, _dValues, _dLogits, _dHidden;

        private readonly float[] _returns; // [sample * heads + head]
        private int _step;

        public TrainingRun(ExpectileValueModel model, TrainerOptions options, Samples data)
        {
            _model = model;
            _options = options;
            _data = data;
            _hidden = model.Hidden;
            _heads = model.Heads;
            _inputM = new float[model.InputWeights.Length];
            _inputV = new float[model.InputWeights.Length];
            _inputGrad = new float[model.InputWeights.Length];
            _rowTouched = new bool[model.Inputs];
            _hiddenBiasM = new float[_hidden];
            _hiddenBiasV = new float[_hidden];
            _hiddenBiasGrad = new float[_hidden];
            _headM = new float[model.HeadWeights.Length];
            _headV = new float[model.HeadWeights.Length];
            _headGrad = new float[model.HeadWeights.Length];
            _headBiasM = new float[_heads];
            _headBiasV = new float[_heads];
            _headBiasGrad = new float[_heads];
            _pre = new float[_hidden];
            _act = new float[_hidden];
            _dHidden = new float[_hidden];
            _logits = new float[_heads];
            _values = new float[_heads];
            _dValues = new float[_heads];
            _dLogits = new float[_heads];
            _returns = new float[data.Count * _heads];
        }

        /// <summary>Trains; returns the mean loss per head of the last epoch.</summary>
        public float Fit(Random random)
        {
            var n = _data.Count;
            var batch = Math.Min(_options.BatchSize, n);
            var batchesPerEpoch = (n + batch - 1) / batch;
            var epochs = Math.Clamp(Math.Max(_options.Epochs, (_options.MinimumUpdates + batchesPerEpoch - 1) / batchesPerEpoch), 1, MaximumEpochs);
            var order = Enumerable.Range(0, n).ToArray();
            var loss = 0f;
            for (var epoch = 0; epoch < epochs; epoch++)
            {
                ComputeReturns();
                random.Shuffle(order);
                loss = 0f;
                for (var start = 0; start < n; start += batch)
                {
                    var end = Math.Min(start + batch, n);
                    for (var i = start; i < end; i++)
                    {
                        loss += Accumulate(order[i]);
                    }

                    Step(1f / (end - start));
                }

                loss /= n * _heads;
            }

            return loss;
        }

        /// <summary>λ-returns of every sample for every head, bootstrapped from the model as it is now.</summary>
        private void ComputeReturns()
        {
            var n = _data.Count;
            var values = new float[n * _heads];
            for (var i = 0; i < n; i++)
            {
                _model.Forward(_data.Indices[i], _data.Values[i], _pre, _act, _logits, values.AsSpan(i * _heads, _heads));
            }

            var headValues = new float[n];
            var headReturns = new float[n];
            for (var k = 0; k < _heads; k++)
            {
                for (var i = 0; i < n; i++)
                {
                    headValues[i] = values[(i * _heads) + k];
                }

                LambdaReturns.Compute(_data.Rewards, _data.EndsSegment, headValues, _options.Gamma, _options.Lambda, headReturns);
                for (var i = 0; i < n; i++)
                {
                    _returns[(i * _heads) + k] = headReturns[i];
                }
            }
        }

        /// <summary>Adds one sample's gradient; returns its loss summed over heads.</summary>
        private float Accumulate(int sample)
        {
            var indices = _data.Indices[sample];
            var features = _data.Values[sample];
            _model.Forward(indices, features, _pre, _act, _logits, _values);

            var loss = 0f;
            for (var k = 0; k < _heads; k++)
            {
                var target = _returns[(sample * _heads) + k];
                var tau = _model.Taus[k];
                loss += ExpectileLoss.Loss(target, _values[k], tau);
                _dValues[k] = ExpectileLoss.Gradient(target, _values[k], tau);
            }

            // values[k] = logit[0] + Σ_{1≤j≤k} softplus(logit[j]): each logit feeds every head from its own on.
            var suffix = 0f;
            for (var j = _heads - 1; j >= 0; j--)
            {
                suffix += _dValues[j];
                _dLogits[j] = j == 0 ? suffix : suffix * ExpectileValueModel.Sigmoid(_logits[j]);
            }

            Array.Clear(_dHidden);
            for (var k = 0; k < _heads; k++)
            {
                var headRow = _model.HeadWeights.AsSpan(k * _hidden, _hidden);
                TensorPrimitives.MultiplyAdd(_act, _dLogits[k], _headGrad.AsSpan(k * _hidden, _hidden), _headGrad.AsSpan(k * _hidden, _hidden));
                _headBiasGrad[k] += _dLogits[k];
                TensorPrimitives.MultiplyAdd(headRow, _dLogits[k], _dHidden, _dHidden);
            }

            for (var h = 0; h < _hidden; h++)
            {
                if (_pre[h] <= 0)
                {
                    _dHidden[h] = 0; // ReLU
                }
            }

            TensorPrimitives.Add(_hiddenBiasGrad, _dHidden, _hiddenBiasGrad);
            for (var i = 0; i < indices.Length; i++)
            {
                var row = indices[i];
                if (!_rowTouched[row])
                {
                    _rowTouched[row] = true;
                    _touchedRows.Add(row);
                }

                var grad = _inputGrad.AsSpan(row * _hidden, _hidden);
                TensorPrimitives.MultiplyAdd(_dHidden, features[i], grad, grad);
            }

            return loss;
        }

        /// <summary>One AdamW step with the accumulated gradients scaled by <paramref name="scale"/>.</summary>
        private void Step(float scale)
        {
            _step++;
            var lr = _options.LearningRate * MathF.Sqrt(1 - MathF.Pow(Beta2, _step)) / (1 - MathF.Pow(Beta1, _step));
            foreach (var row in _touchedRows)
            {
                var range = new Range(row * _hidden, (row + 1) * _hidden);
                Update(_model.InputWeights.AsSpan(range), _inputGrad.AsSpan(range), _inputM.AsSpan(range), _inputV.AsSpan(range), scale, lr);
                _rowTouched[row] = false;
            }

            _touchedRows.Clear();
            Update(_model.HiddenBias, _hiddenBiasGrad, _hiddenBiasM, _hiddenBiasV, scale, lr);
            Update(_model.HeadWeights, _headGrad, _headM, _headV, scale, lr);
            Update(_model.HeadBias, _headBiasGrad, _headBiasM, _headBiasV, scale, lr);
        }

        private void Update(Span<float> weights, Span<float> grads, Span<float> m, Span<float> v, float scale, float lr)
        {
            var decay = 1 - (_options.LearningRate * _options.WeightDecay);
            for (var i = 0; i < weights.Length; i++)
            {
                var g = grads[i] * scale;
                m[i] = (Beta1 * m[i]) + ((1 - Beta1) * g);
                v[i] = (Beta2 * v[i]) + ((1 - Beta2) * g * g);
                weights[i] = (weights[i] * decay) - (lr * m[i] / (MathF.Sqrt(v[i]) + Epsilon));
                grads[i] = 0;
            }
        }
    }
}
