using System.Diagnostics;
using System.Text;

namespace Dsp.Reliability.Tests;

/// <summary>
/// A <c>dsp worker</c> process on a task hub, configured by environment variables as the Functions app is; the test
/// kills it with SIGKILL, as a platform kills a worker that is scaled in or crashes.
/// </summary>
internal sealed class DspWorkerProcess : IAsyncDisposable
{
    private const string Ready = "Worker running plans";

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DspWorkerProcess(Process process) => _process = process;

    public int Id => _process.Id;

    /// <summary>What it printed, standard output and error.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <param name="storage">The task hub's storage account (<c>--storage</c>).</param>
    /// <param name="settings">The app's settings (<c>Dsp:*</c>), passed as <c>Dsp__*</c> environment variables.</param>
    public static async Task<DspWorkerProcess> StartAsync(string storage, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "dsp.dll"), "worker", "--storage", storage })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in settings)
        {
            if (value is not null)
            {
                start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }
        }

        var worker = new DspWorkerProcess(Process.Start(start) ?? throw new InvalidOperationException("Could not start dsp worker."));
        worker._process.OutputDataReceived += (_, e) => worker.Received(e.Data);
        worker._process.ErrorDataReceived += (_, e) => worker.Received(e.Data);
        worker._process.BeginOutputReadLine();
        worker._process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await worker._ready.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            await worker.DisposeAsync();
            throw new InvalidOperationException($"dsp worker did not start: {worker.Output}");
        }

        return worker;
    }

    /// <summary>SIGKILL: no shutdown, no lease released, work in hand lost.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private void Received(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.StartsWith(Ready, StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
        else if (_process.HasExited)
        {
            _ready.TrySetException(new InvalidOperationException($"dsp worker exited: {Output}"));
        }
    }
}
