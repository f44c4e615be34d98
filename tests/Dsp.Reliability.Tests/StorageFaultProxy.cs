using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dsp.Agents.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Dsp.Reliability.Tests;

/// <summary>How a write the proxy fails is failed.</summary>
public enum StorageFault
{
    /// <summary>503 Server Busy; the write never reached storage.</summary>
    UnavailableBefore,

    /// <summary>The write was applied, then 503 came back (a gateway that lost the answer): a retry finds it done.</summary>
    UnavailableAfter,

    /// <summary>412 Precondition Failed; the write never reached storage. The storage client does not retry it.</summary>
    PreconditionFailedBefore,

    /// <summary>The write was applied, then 412 came back.</summary>
    PreconditionFailedAfter,
}

/// <summary>The proxy's failure mix for Table writes (every request but GET and HEAD).</summary>
internal sealed record StorageFaultOptions
{
    public int Seed { get; init; } = 11;

    /// <summary>The share of writes failed, by fault.</summary>
    public IReadOnlyDictionary<StorageFault, double> Shares { get; init; } = new Dictionary<StorageFault, double>();

    /// <summary>Every write to this table (its full name) is answered 412 without being applied.</summary>
    public string? RejectWritesTo { get; init; }

    /// <summary>While <see cref="StorageFaultProxy.Holding"/>, every write to this table (its full name) is held, neither
    /// passed on nor answered, until <see cref="StorageFaultProxy.ReleaseHeld"/> or the caller gives up on it.</summary>
    public string? HoldWritesTo { get; init; }
}

/// <summary>
/// A loopback reverse proxy in front of Azurite's Table endpoint that fails a share of writes with 503 or 412,
/// before or after passing them on: how a test shows writes are retried and idempotent, or fail loudly.
/// </summary>
internal sealed class StorageFaultProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly StorageFaultOptions _options;
    private readonly Uri _target;
    private readonly HttpClient _client = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
    private readonly Random _random;
    private readonly ConcurrentDictionary<StorageFault, int> _faults = new();
    private readonly TaskCompletionSource _firstHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _writes;
    private int _rejected;
    private int _held;

    private StorageFaultProxy(WebApplication app, StorageFaultOptions options, Uri target)
    {
        _app = app;
        _options = options;
        _target = target;
        _random = new Random(options.Seed);
    }

    /// <summary>The Table endpoint to give the app (same account path as Azurite's).</summary>
    public Uri TableEndpoint { get; private set; } = null!;

    /// <summary>Write requests seen, retries included.</summary>
    public int Writes => Volatile.Read(ref _writes);

    /// <summary>Faults injected by the shares, by kind.</summary>
    public IReadOnlyDictionary<StorageFault, int> Faults => _faults.ToDictionary();

    /// <summary>Writes refused because of <see cref="StorageFaultOptions.RejectWritesTo"/>.</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    /// <summary>Whether writes to <see cref="StorageFaultOptions.HoldWritesTo"/> are held now.</summary>
    public bool Holding { get; set; }

    /// <summary>Writes held so far.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>Completes when the first write is held.</summary>
    public Task FirstHeld => _firstHeld.Task;

    /// <summary>Stops holding, and passes on the writes still held (those whose caller is still there).</summary>
    public void ReleaseHeld()
    {
        Holding = false;
        _release.TrySetResult();
    }

    /// <param name="options">The failure mix.</param>
    /// <param name="tableEndpoint">Azurite's Table endpoint, account path included.</param>
    public static async Task<StorageFaultProxy> StartAsync(StorageFaultOptions options, Uri tableEndpoint)
    {
        var app = LoopbackApp.Create();
        var proxy = new StorageFaultProxy(app, options, new Uri(tableEndpoint.GetLeftPart(UriPartial.Authority)));
        app.Run(proxy.HandleAsync);
        proxy.TableEndpoint = new Uri(await LoopbackApp.StartAsync(app), tableEndpoint.AbsolutePath);
        return proxy;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var write = !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method);
        StorageFault? fault = null;
        if (write)
        {
            Interlocked.Increment(ref _writes);
            if (_options.RejectWritesTo is { } table && Targets(request.Path.Value ?? string.Empty, body, table))
            {
                Interlocked.Increment(ref _rejected);
                await FailAsync(context, StorageFault.PreconditionFailedBefore);
                return;
            }

            if (Holding && _options.HoldWritesTo is { } held && Targets(request.Path.Value ?? string.Empty, body, held))
            {
                Interlocked.Increment(ref _held);
                _firstHeld.TrySetResult();
                try
                {
                    await _release.Task.WaitAsync(context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return; // the caller is gone (its process was killed)
                }
            }

            fault = Choose();
        }

        if (fault is StorageFault.UnavailableBefore or StorageFault.PreconditionFailedBefore)
        {
            await FailAsync(context, fault.Value);
            return;
        }

        using var forwarded = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_target, request.Path + request.QueryString));
        if (body.Length > 0 || write)
        {
            forwarded.Content = new ByteArrayContent(body);
        }

        foreach (var header in request.Headers)
        {
            if (header.Key is "Host" or "Content-Length" or "Transfer-Encoding")
            {
                continue;
            }

            if (!forwarded.Headers.TryAddWithoutValidation(header.Key, [.. header.Value]))
            {
                forwarded.Content?.Headers.TryAddWithoutValidation(header.Key, [.. header.Value]);
            }
        }

        using var response = await _client.SendAsync(forwarded, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        if (fault is { } after)
        {
            // Applied: the caller is told otherwise.
            await FailAsync(context, after);
            return;
        }

        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (header.Key != "Transfer-Encoding")
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private StorageFault? Choose()
    {
        double draw;
        lock (_random)
        {
            draw = _random.NextDouble();
        }

        foreach (var (fault, share) in _options.Shares)
        {
            if (draw < share)
            {
                _faults.AddOrUpdate(fault, 1, (_, n) => n + 1);
                return fault;
            }

            draw -= share;
        }

        return null;
    }

    /// <summary>Whether a write goes to <paramref name="table"/>: by its path or, for a batch, by the request lines of
    /// the operations inside (<c>POST http://host/account/table?... HTTP/1.1</c>).</summary>
    private static bool Targets(string path, byte[] body, string table)
    {
        var entity = new Regex($"/{Regex.Escape(table)}([ (?]|$)", RegexOptions.Multiline | RegexOptions.CultureInvariant);
        return entity.IsMatch(path) || entity.IsMatch(Encoding.UTF8.GetString(body));
    }

    private static async Task FailAsync(HttpContext context, StorageFault fault)
    {
        var (status, code, message) = fault is StorageFault.UnavailableBefore or StorageFault.UnavailableAfter
            ? (503, "ServerBusy", "The server is busy.")
            : (412, "UpdateConditionNotSatisfied", "The update condition specified in the request was not satisfied.");
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json;odata=minimalmetadata";
        context.Response.Headers["x-ms-error-code"] = code;
        var error = new JsonObject { ["code"] = code, ["message"] = new JsonObject { ["lang"] = "en-US", ["value"] = message } };
        await context.Response.WriteAsync(new JsonObject { ["odata.error"] = error }.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _client.Dispose();
    }
}
