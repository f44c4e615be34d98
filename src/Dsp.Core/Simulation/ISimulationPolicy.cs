using Dsp.Core.Traces;

namespace Dsp.Core.Simulation;

/// <summary>A depth policy as the trace simulator runs it: some policies read the trace they replay.</summary>
public interface ISimulationPolicy
{
    /// <summary>The name shown in reports (<c>fixed-2</c>, <c>oracle</c>, …).</summary>
    string Name { get; }

    /// <summary>The depth policy for one replay of <paramref name="trace"/>.</summary>
    IDepthPolicy ForTrace(AgentTrace trace);
}
