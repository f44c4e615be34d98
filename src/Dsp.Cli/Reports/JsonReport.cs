using System.Text.Json;

namespace Dsp.Cli.Reports;

/// <summary>Writes <c>--json</c>: the report as one indented JSON object.</summary>
internal static class JsonReport
{
    public static void Write(string path, BenchReport report)
    {
        using var stream = File.Create(path);
        JsonSerializer.Serialize(stream, report, BenchReportJsonContext.Default.BenchReport);
        stream.Write("\n"u8);
    }
}
