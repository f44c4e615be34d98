using Dsp.Core.Judges;
using Dsp.Core.Policy;
using Dsp.Core.Traces;

namespace Dsp.Core.Simulation;

/// <summary>
/// Knows the future: speculates exactly through the first mismatch (the drafts that will be accepted from here,
/// plus one). The latency and waste floor that a learned policy can approach.
/// </summary>
public sealed class OraclePolicy(Func<AgentTrace, IStepJudge> judgeFor) : ISimulationPolicy
{
    public string Name => SimulationPolicies.Oracle;

    public ISpeculationPolicy ForTrace(AgentTrace trace) => new DepthChainPolicy(new Depths(trace, judgeFor(trace)));

    private sealed class Depths(AgentTrace trace, IStepJudge judge) : IDepthPolicy
    {
        public int ChooseDepth(in DepthRequest request)
        {
            var accepted = 0;
            for (var i = request.Position; i < trace.Steps.Count; i++)
            {
                var step = trace.Steps[i];
                if (step.Draft.Failed || !judge.Accepts(step.Draft.Text, step.Target.Text))
                {
                    break;
                }

                accepted++;
            }

            return accepted + 1;
        }
    }
}
