using Dsp.Core.Policy;
using Dsp.Core.Traces;

namespace Dsp.Core.Simulation;

/// <summary>A policy as the trace simulator runs it: some policies read the trace they replay.</summary>
public interface ISimulationPolicy
{
    /// <summary>The name shown in reports (<c>fixed-2</c>, <c>oracle</c>, …).</summary>
    string Name { get; }

    /// <summary>The policy for one replay of <paramref name="trace"/>.</summary>
    ISpeculationPolicy ForTrace(AgentTrace trace);
}
