using System.Diagnostics;

namespace Dsp.Cli;

/// <summary>
/// The in-process durable host runs at most <see cref="Environment.ProcessorCount"/> activities at once and
/// stalls 500 ms whenever they are all busy, which on a small machine serializes speculative planning's parallel
/// calls. The count can only be raised before the runtime starts, so <c>dsp plan</c> and <c>dsp overhead</c> run themselves again with
/// <c>DOTNET_PROCESSOR_COUNT</c> set.
/// </summary>
internal static class ActivitySlots
{
    private const string Variable = "DOTNET_PROCESSOR_COUNT";
    private const string Slots = "64";

    /// <summary>The exit code of a re-run with more slots, or null when this process should go on itself.</summary>
    public static async Task<int?> RelaunchIfNeededAsync(string[] args)
    {
        if (args is not ["plan" or "overhead", ..] || Environment.GetEnvironmentVariable(Variable) is not null || Environment.ProcessPath is not { } process)
        {
            return null;
        }

        var start = new ProcessStartInfo(process) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            start.ArgumentList.Add(Environment.GetCommandLineArgs()[0]); // run as `dotnet dsp.dll`
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment[Variable] = Slots;
        using var child = Process.Start(start)!;
        await child.WaitForExitAsync();
        return child.ExitCode;
    }
}
