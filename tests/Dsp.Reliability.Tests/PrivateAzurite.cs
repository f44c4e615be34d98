using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Dsp.Reliability.Tests;

/// <summary>
/// An Azurite of this test's own (free ports, its own data folder) that the test can stop and start again, as a
/// storage outage: the repository's pinned Azurite (<c>node_modules/.bin/azurite</c>, installed with <c>npm ci</c>
/// when missing). Stopping it is a graceful shutdown (SIGTERM), which keeps its data for the restart.
/// </summary>
internal sealed class PrivateAzurite : IAsyncDisposable
{
    /// <summary>Azurite's well-known development account key.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string _location = Directory.CreateTempSubdirectory("dsp-azurite-").FullName;
    private Process? _process;

    private PrivateAzurite(int blobPort, int tablePort, int queuePort)
    {
        BlobPort = blobPort;
        TablePort = tablePort;
        QueuePort = queuePort;
    }

    public int BlobPort { get; }

    public int TablePort { get; }

    public int QueuePort { get; }

    public Uri BlobEndpoint => new($"http://127.0.0.1:{BlobPort}/devstoreaccount1");

    public Uri TableEndpoint => new($"http://127.0.0.1:{TablePort}/devstoreaccount1");

    public Uri QueueEndpoint => new($"http://127.0.0.1:{QueuePort}/devstoreaccount1");

    /// <summary>A connection string to this Azurite, optionally with its Table endpoint replaced (a proxy in front of
    /// it) or another account key (which Azurite refuses).</summary>
    public string ConnectionString(Uri? tableEndpoint = null, string accountKey = AccountKey) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={accountKey};BlobEndpoint={BlobEndpoint};QueueEndpoint={QueueEndpoint};TableEndpoint={tableEndpoint ?? TableEndpoint};";

    public static async Task<PrivateAzurite> StartAsync()
    {
        var ports = FreePorts(3);
        var azurite = new PrivateAzurite(ports[0], ports[1], ports[2]);
        await azurite.RestartAsync();
        return azurite;
    }

    /// <summary>Starts Azurite on its ports and data, and waits until it accepts connections.</summary>
    public async Task RestartAsync()
    {
        if (_process is not null)
        {
            throw new InvalidOperationException("Azurite is running.");
        }

        var root = RepositoryRoot();
        var azurite = Path.Combine(root, "node_modules", ".bin", "azurite");
        if (!File.Exists(azurite))
        {
            await RunAsync("npm", "ci --no-audit --no-fund --loglevel=error", root);
        }

        var start = new ProcessStartInfo(azurite)
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "--silent", "--skipApiVersionCheck", "--disableTelemetry", "--location", _location,
            "--blobHost", "127.0.0.1", "--blobPort", Invariant(BlobPort),
            "--tableHost", "127.0.0.1", "--tablePort", Invariant(TablePort),
            "--queueHost", "127.0.0.1", "--queuePort", Invariant(QueuePort),
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {azurite}.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (!(await AcceptsAsync(BlobPort) && await AcceptsAsync(TablePort) && await AcceptsAsync(QueuePort)))
        {
            if (_process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException($"Azurite did not start on ports {BlobPort}, {TablePort} and {QueuePort}.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Shuts Azurite down gracefully and waits until its ports refuse connections.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        await RunAsync("kill", $"-TERM {process.Id}", Environment.CurrentDirectory);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_location, recursive: true);
    }

    private static async Task RunAsync(string file, string arguments, string directory)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { WorkingDirectory = directory })
            ?? throw new InvalidOperationException($"Could not run {file}.");
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} exited with {process.ExitCode}.");
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "package.json")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No package.json above {AppContext.BaseDirectory}: where is the repository?");
    }

    /// <summary>
    /// Free ports below the ephemeral range (Linux: from 32768) and the durable test host's (30000-40000), so that
    /// nothing binding port 0 or the test host can take one between the check here and Azurite binding it.
    /// </summary>
    private static int[] FreePorts(int count)
    {
        var ports = new List<int>();
        while (ports.Count < count)
        {
            var port = Random.Shared.Next(20_000, 30_000);
            if (ports.Contains(port))
            {
                continue;
            }

            var listener = new TcpListener(IPAddress.Loopback, port);
            try
            {
                listener.Start();
                ports.Add(port);
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
            finally
            {
                listener.Stop();
            }
        }

        return [.. ports];
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
