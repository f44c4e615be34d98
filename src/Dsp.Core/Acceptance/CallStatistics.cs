namespace Dsp.Core.Acceptance;

/// <summary>What one role's calls typically consume: prompt tokens growing with the plan position, completion tokens
/// and latency on average.</summary>
/// <param name="PromptTokens">Prompt tokens at position 0.</param>
/// <param name="PromptTokensPerPosition">How many more each position adds (least squares).</param>
/// <param name="CompletionTokens">Mean completion tokens.</param>
/// <param name="LatencySeconds">Mean seconds per call.</param>
public readonly record struct RoleStatistics(double PromptTokens, double PromptTokensPerPosition, double CompletionTokens, double LatencySeconds)
{
    /// <summary>Expected prompt tokens of a call for <paramref name="position"/>.</summary>
    public double PromptTokensAt(int position) => Math.Max(0, PromptTokens + (PromptTokensPerPosition * position));
}

/// <summary>Running averages of the drafter's and the target's calls, from the judged drafts a model was trained on.</summary>
public sealed record CallStatistics(RoleStatistics Draft, RoleStatistics Target)
{
    /// <summary>Fits both roles' figures from the examples' calls.</summary>
    public static CallStatistics From(IEnumerable<RunExamples> runs)
    {
        var draft = new Accumulator();
        var target = new Accumulator();
        foreach (var run in runs)
        {
            foreach (var record in run.Drafts)
            {
                draft.Add(record.Position, record.DraftUsage);
                target.Add(record.Position, record.TargetUsage);
            }
        }

        return new CallStatistics(draft.Build(), target.Build());
    }

    private sealed class Accumulator
    {
        private double _n, _x, _xx, _prompt, _xPrompt, _completion, _latency;

        public void Add(int position, Planning.CallUsage usage)
        {
            _n++;
            _x += position;
            _xx += (double)position * position;
            _prompt += usage.PromptTokens;
            _xPrompt += (double)position * usage.PromptTokens;
            _completion += usage.CompletionTokens;
            _latency += usage.LatencySeconds;
        }

        public RoleStatistics Build()
        {
            if (_n == 0)
            {
                return default;
            }

            var variance = (_xx / _n) - ((_x / _n) * (_x / _n));
            var slope = variance <= 1e-9 ? 0 : ((_xPrompt / _n) - ((_x / _n) * (_prompt / _n))) / variance;
            var intercept = (_prompt / _n) - (slope * (_x / _n));
            return new RoleStatistics(intercept, slope, _completion / _n, _latency / _n);
        }
    }
}
