using System.Diagnostics;
using System.Net.Sockets;

namespace Dsp.Storage.Tests;

/// <summary>
/// A real Azurite for the storage tests: the one already listening on 127.0.0.1:10000-10002 (as <c>scripts/test</c>
/// starts it), else one this fixture starts with <c>scripts/azurite --background</c> (installing it with npm ci when
/// needed) and stops when the tests are done.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public const string ConnectionString = "UseDevelopmentStorage=true";

    private static readonly int[] Ports = [10000, 10001, 10002];

    private int? _startedPid;

    public async Task InitializeAsync()
    {
        var open = new List<int>();
        foreach (var port in Ports)
        {
            if (await AcceptsAsync(port))
            {
                open.Add(port);
            }
        }

        if (open.Count == Ports.Length)
        {
            return;
        }

        if (open.Count > 0)
        {
            throw new InvalidOperationException(
                $"Ports {string.Join(", ", open)} accept connections but not all of {string.Join(", ", Ports)}: something other than Azurite holds them.");
        }

        _startedPid = await StartAsync();
    }

    public Task DisposeAsync()
    {
        if (_startedPid is { } pid)
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }

        return Task.CompletedTask;
    }

    private static async Task<int> StartAsync()
    {
        var start = new ProcessStartInfo("bash", [Path.Combine("scripts", "azurite"), "--background"])
        {
            WorkingDirectory = RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        var output = (await stdout).Trim();
        if (process.ExitCode != 0 || !int.TryParse(output.Split('\n')[^1], out var pid))
        {
            throw new InvalidOperationException($"scripts/azurite --background failed (exit {process.ExitCode}): {output} {await stderr}");
        }

        return pid;
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dsp.Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Dsp.Functions.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>Every storage test class shares the one Azurite (and so runs one after another).</summary>
[CollectionDefinition(Name)]
public sealed class UsesAzurite : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
