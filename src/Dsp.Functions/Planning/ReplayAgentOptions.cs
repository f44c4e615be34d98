namespace Dsp.Functions.Planning;

/// <summary>The replay agents' settings (configuration section <c>Dsp:Agents:Replay</c>).</summary>
public sealed class ReplayAgentOptions
{
    public const string Section = "Dsp:Agents:Replay";

    /// <summary>The traces played when none are configured: the bundled file beside the app.</summary>
    public static string BundledTraces => Path.Combine(AppContext.BaseDirectory, "traces", "openagi-gpt4turbo.jsonl");

    /// <summary>The <c>dsp-trace/1</c> files to play (none: <see cref="BundledTraces"/>).</summary>
    public IList<string> Traces { get; } = [];

    /// <summary>Recorded latencies are multiplied by this (1: real time; 0.01: a hundred times faster).</summary>
    public double LatencyScale { get; set; } = 1.0;
}
