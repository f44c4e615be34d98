using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dsp.Agents.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Dsp.Reliability.Tests;

/// <summary>
/// How a write the proxy fails is failed. Only what Azure Table Storage can answer the app's writes is injected: they
/// are unconditional (inserts, upserts, a table's creation), so the service answers them 503 Server Busy when busy, and
/// 409 when the entity or table exists — never 412, its answer to a write whose <c>If-Match</c> ETag no longer matches.
/// Every fault is transient: it fails one request of a write (all the tries the storage client makes of it at most),
/// and the caller's next request of the same write goes through.
/// </summary>
public enum StorageFault
{
    /// <summary>503 Server Busy; the write never reached storage. The storage client's retry goes through.</summary>
    UnavailableBefore,

    /// <summary>The write was applied, then 503 came back (a gateway that lost the answer): the storage client's retry
    /// finds it done (an insert meets 409).</summary>
    UnavailableAfter,

    /// <summary>503 to every try of the write's first request, none reaching storage, until the storage client gives
    /// up (an outage longer than its retries): the caller (an activity) fails, and its next request goes through.</summary>
    OutageBefore,

    /// <summary>The write's first try was applied, then 503 came back to it and to every retry until the storage client
    /// gave up: the caller fails knowing nothing of the write, and its next request (the activity delivered again)
    /// finds it done.</summary>
    OutageAfter,
}

/// <summary>The proxy's failure mix for Table writes (every request but GET and HEAD).</summary>
internal sealed record StorageFaultOptions
{
    public int Seed { get; init; } = 11;

    /// <summary>The share of writes failed, by fault. Which writes fail, and how, is a function of the seed and the
    /// write (what it writes), not of the order writes arrive in. A table's creation is failed by the
    /// <c>Unavailable</c> faults only: every write waiting for the table waits on it, so an outage there is an outage of
    /// the whole account, which the Azurite outage tests make.</summary>
    public IReadOnlyDictionary<StorageFault, double> Shares { get; init; } = new Dictionary<StorageFault, double>();

    /// <summary>Every write to this table (its full name) is refused without being applied: 403
    /// AuthorizationPermissionMismatch, the service's answer to an identity that may only read the table.</summary>
    public string? RejectWritesTo { get; init; }

    /// <summary>While <see cref="StorageFaultProxy.Holding"/>, every write to this table (its full name) is held, neither
    /// passed on nor answered, until <see cref="StorageFaultProxy.ReleaseHeld"/> or the caller gives up on it.</summary>
    public string? HoldWritesTo { get; init; }
}

/// <summary>
/// A loopback reverse proxy in front of Azurite's Table endpoint that fails a share of writes with 503, before or after
/// passing them on, for one try or until the storage client gives up: how a test shows writes are retried and
/// idempotent, or fail loudly.
/// </summary>
internal sealed partial class StorageFaultProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly StorageFaultOptions _options;
    private readonly Uri _target;
    private readonly HttpClient _client = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
    private readonly ConcurrentDictionary<(StorageFault Fault, string Table), int> _faults = new();
    private readonly ConcurrentDictionary<string, FirstRequest> _firstRequests = new(StringComparer.Ordinal);
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
    }

    /// <summary>The Table endpoint to give the app (same account path as Azurite's).</summary>
    public Uri TableEndpoint { get; private set; } = null!;

    /// <summary>Write requests seen, retries included.</summary>
    public int Writes => Volatile.Read(ref _writes);

    /// <summary>Writes failed by the shares, by fault (each write once, however many of its tries were failed).</summary>
    public IReadOnlyDictionary<StorageFault, int> Faults => Count(f => f.Fault);

    /// <summary>Writes failed by the shares, by table (<c>Tables</c>: a table's creation).</summary>
    public IReadOnlyDictionary<string, int> FaultsByTable => Count(f => f.Table);

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
        var failAfter = false;
        if (write)
        {
            Interlocked.Increment(ref _writes);
            if (_options.RejectWritesTo is { } table && Targets(request.Path.Value ?? string.Empty, body, table))
            {
                Interlocked.Increment(ref _rejected);
                await FailAsync(context, 403, "AuthorizationPermissionMismatch", "This request is not authorized to perform this operation using this permission.");
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

            switch (TryOf(request, body))
            {
                case Try.FailBefore:
                    await FailAsync(context, 503, "ServerBusy", "The server is busy.");
                    return;
                case Try.FailAfter:
                    failAfter = true;
                    break;
            }
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
        if (failAfter)
        {
            // Applied: the caller is told otherwise.
            await FailAsync(context, 503, "ServerBusy", "The server is busy.");
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

    /// <summary>
    /// What becomes of this try of a write. A write the shares fail is failed on its first request only (the storage
    /// client's tries of one request carry the same <c>x-ms-client-request-id</c>): on its first try for the
    /// <c>Unavailable</c> faults, on every try for the <c>Outage</c> faults; an <c>After</c> fault passes the first try
    /// on (it is applied) before failing it.
    /// </summary>
    private Try TryOf(HttpRequest request, byte[] body)
    {
        var path = request.Path.Value ?? string.Empty;
        var write = WriteOf(path, body);
        if (Drawn(write) is not { } fault)
        {
            return Try.PassOn;
        }

        var outage = fault is StorageFault.OutageBefore or StorageFault.OutageAfter;
        if (outage && path.EndsWith("/Tables", StringComparison.Ordinal))
        {
            return Try.PassOn; // a table's creation: see StorageFaultOptions.Shares
        }

        var id = request.Headers["x-ms-client-request-id"].ToString();
        var first = _firstRequests.GetOrAdd(write, _ => new FirstRequest(id));
        if (first.Id != id)
        {
            return Try.PassOn; // a later request of the write: the fault has passed
        }

        var number = first.NextTry();
        if (number == 1)
        {
            _faults.AddOrUpdate((fault, TableOf(path, write)), 1, (_, n) => n + 1);
            return fault is StorageFault.UnavailableBefore or StorageFault.OutageBefore ? Try.FailBefore : Try.FailAfter;
        }

        return outage ? Try.FailBefore : Try.PassOn;
    }

    private Dictionary<TKey, int> Count<TKey>(Func<(StorageFault Fault, string Table), TKey> key)
        where TKey : notnull =>
        _faults.GroupBy(f => key(f.Key)).ToDictionary(g => g.Key, g => g.Sum(f => f.Value));

    /// <summary>The table a write goes to: its path's, or its batch's first operation's.</summary>
    private static string TableOf(string path, string write)
    {
        var target = write.Split('\n').Skip(1).FirstOrDefault(part => !part.StartsWith('"')) is { } operation ? operation[(operation.IndexOf(' ') + 1)..] : path;
        target = target.Split('(', '?')[0];
        return target[(target.LastIndexOf('/') + 1)..];
    }

    /// <summary>The fault the shares give a write: a function of the seed and the write alone.</summary>
    private StorageFault? Drawn(string write)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(_options.Seed.ToString(CultureInfo.InvariantCulture) + "\n" + write));
        var draw = (BitConverter.ToUInt64(hash) >> 11) / (double)(1UL << 53);
        foreach (var (fault, share) in _options.Shares.OrderBy(s => s.Key))
        {
            if (draw < share)
            {
                return fault;
            }

            draw -= share;
        }

        return null;
    }

    /// <summary>What a write writes, the same on each of its tries and requests: its path, and the operations and entity
    /// keys in its body (not a batch's multipart boundaries, which are new on every request).</summary>
    private static string WriteOf(string path, byte[] body) =>
        string.Join('\n', WriteParts().Matches(Encoding.UTF8.GetString(body)).Select(m => m.Value).Prepend(path));

    /// <summary>A batch's operation lines, and the keys and table names of the entities written.</summary>
    [GeneratedRegex(@"^(?:POST|PUT|MERGE|PATCH|DELETE) \S+|""(?:PartitionKey|RowKey|TableName)"":""(?:[^""\\]|\\.)*""", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex WriteParts();

    /// <summary>Whether a write goes to <paramref name="table"/>: by its path or, for a batch, by the request lines of
    /// the operations inside (<c>POST http://host/account/table?... HTTP/1.1</c>).</summary>
    private static bool Targets(string path, byte[] body, string table)
    {
        var entity = new Regex($"/{Regex.Escape(table)}([ (?]|$)", RegexOptions.Multiline | RegexOptions.CultureInvariant);
        return entity.IsMatch(path) || entity.IsMatch(Encoding.UTF8.GetString(body));
    }

    private static async Task FailAsync(HttpContext context, int status, string code, string message)
    {
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

    private enum Try
    {
        PassOn,

        /// <summary>Answered 503 without passing it on.</summary>
        FailBefore,

        /// <summary>Passed on (applied), then answered 503.</summary>
        FailAfter,
    }

    /// <summary>The request a failed write failed on, and how many tries of it were seen.</summary>
    private sealed class FirstRequest(string id)
    {
        private int _tries;

        public string Id { get; } = id;

        public int NextTry() => Interlocked.Increment(ref _tries);
    }
}
