using System.CommandLine;
using System.Globalization;
using Dsp.Functions.Planning;

namespace Dsp.Cli.Commands;

/// <summary>The replay agents' options of the commands that host plans: which traces they play, how fast.</summary>
internal sealed class ReplayOptions
{
    public Option<FileInfo[]> Traces { get; } = new Option<FileInfo[]>("--traces")
    {
        Description = "dsp-trace/1 files the replay agents play [default: the bundled traces]",
        HelpName = "FILE",
        AllowMultipleArgumentsPerToken = true,
    }.AcceptExistingOnly();

    public Option<double> Speed { get; } = new("--speed")
    {
        Description = "Replay this many times faster than the recorded latencies",
        DefaultValueFactory = _ => 10,
    };

    /// <summary>The trace files, the speed, and the app's settings for them (<c>Dsp:Agents:Replay:*</c>).</summary>
    public (IReadOnlyList<string> Traces, double Speed, Dictionary<string, string?> Settings) Read(ParseResult parse)
    {
        var speed = parse.GetValue(Speed);
        if (!(speed > 0) || double.IsInfinity(speed))
        {
            throw new CommandException("--speed must be a positive number.");
        }

        var traces = parse.GetValue(Traces) is { Length: > 0 } files ? files.Select(f => f.FullName).ToList() : [ReplayAgentOptions.BundledTraces];
        var settings = new Dictionary<string, string?>
        {
            ["Dsp:Agents:Replay:LatencyScale"] = (1 / speed).ToString(CultureInfo.InvariantCulture),
        };
        for (var i = 0; i < traces.Count; i++)
        {
            settings[$"Dsp:Agents:Replay:Traces:{i}"] = traces[i];
        }

        return (traces, speed, settings);
    }
}
