using Dsp.Core.Planning;

namespace Dsp.Core.Runs;

/// <summary>Names one model call of a run: the round that started it, its role and its position.</summary>
public readonly record struct CallKey(int Round, AgentRole Role, int Position)
{
    public override string ToString() => $"r{Round:D3}-{(Role == AgentRole.Draft ? "d" : "t")}{Position:D3}";
}
