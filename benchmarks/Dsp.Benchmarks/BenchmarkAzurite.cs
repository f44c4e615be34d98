using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure;
using Azure.Data.Tables;

namespace Dsp.Benchmarks;

/// <summary>
/// An Azurite of the benchmark's own: the repository's pinned one (<c>node_modules/.bin/azurite</c>, installed with
/// <c>npm ci</c> when missing), in memory, on free ports, so that the rows a benchmark loads neither land in nor
/// compete with a shared Azurite. Stopped (killed) on disposal.
/// </summary>
internal sealed class BenchmarkAzurite : IDisposable
{
    /// <summary>Azurite's well-known development account key.</summary>
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;
    private readonly int[] _ports;

    private BenchmarkAzurite(Process process, int[] ports)
    {
        _process = process;
        _ports = ports;
    }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{_ports[0]}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{_ports[1]}/devstoreaccount1;";

    public static async Task<BenchmarkAzurite> StartAsync()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "package.json")))
        {
            root = Path.GetDirectoryName(root.TrimEnd(Path.DirectorySeparatorChar))
                ?? throw new InvalidOperationException($"No package.json above {AppContext.BaseDirectory}: where is the repository?");
        }

        var azurite = Path.Combine(root, "node_modules", ".bin", "azurite");
        if (!File.Exists(azurite))
        {
            using var install = Process.Start(new ProcessStartInfo("npm", "ci --no-audit --no-fund --loglevel=error") { WorkingDirectory = root })
                ?? throw new InvalidOperationException("npm did not start.");
            await install.WaitForExitAsync();
            if (install.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm ci exited with {install.ExitCode}.");
            }
        }

        // Ports the system hands out, released for Azurite to bind (nothing else on this machine races for them here).
        var ports = Enumerable.Range(0, 3).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        ports.ForEach(listener => listener.Start());
        var numbers = ports.Select(listener => ((IPEndPoint)listener.LocalEndpoint).Port).ToArray();
        ports.ForEach(listener => listener.Stop());

        var start = new ProcessStartInfo(azurite) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            "--silent", "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--blobPort", Invariant(numbers[0]),
            "--tableHost", "127.0.0.1", "--tablePort", Invariant(numbers[1]),
            "--queueHost", "127.0.0.1", "--queuePort", Invariant(numbers[2]),
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {azurite}.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var started = new BenchmarkAzurite(process, numbers);
        var tables = new TableServiceClient(started.ConnectionString, new TableClientOptions { Retry = { MaxRetries = 0 } });
        for (var deadline = Stopwatch.StartNew(); ; await Task.Delay(100))
        {
            try
            {
                await tables.GetPropertiesAsync();
                return started;
            }
            catch (Exception e) when (e is RequestFailedException or HttpRequestException)
            {
                if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(60))
                {
                    started.Dispose();
                    throw new InvalidOperationException($"Azurite did not start on ports {string.Join(", ", numbers)}.", e);
                }
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
