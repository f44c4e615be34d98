using System.CommandLine;

namespace Dsp.Cli.Tests;

/// <summary>What one <c>dsp</c> invocation printed and returned.</summary>
internal sealed record DspRun(int ExitCode, string Output, string Error)
{
    /// <summary>The bundled trace file, copied next to the tests by the CLI project.</summary>
    public static string BundledTraces { get; } = Path.Combine(AppContext.BaseDirectory, "traces", "openagi-gpt4turbo.jsonl");

    /// <summary>Parses and invokes <c>dsp</c> with <paramref name="args"/> in process, capturing both output streams.</summary>
    public static async Task<DspRun> InvokeAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await DspCommandLine.Create()
            .Parse(args)
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return new DspRun(exitCode, output.ToString(), error.ToString());
    }
}
