using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Dsp.Agents.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Dsp.Reliability.Tests;

/// <summary>
/// The storage proxy's faults are a function of the seed and the write, not of arrival order, and transient: each fails
/// one request of its write (at most every try the storage client makes of it), and the write's next request goes
/// through — so a caller that tries again, as the orchestrator does, always gets there.
/// </summary>
public class StorageFaultProxyTests
{
    private const int Writes = 200;
    private const int ClientTries = 4;

    private static readonly Dictionary<StorageFault, double> Shares = new()
    {
        [StorageFault.UnavailableBefore] = 0.1,
        [StorageFault.UnavailableAfter] = 0.1,
        [StorageFault.OutageBefore] = 0.1,
        [StorageFault.OutageAfter] = 0.1,
    };

    [Fact]
    public async Task The_same_seed_fails_the_same_writes_the_same_way_in_any_order_and_each_for_one_request_only()
    {
        var writes = Enumerable.Range(0, Writes).ToArray();
        var first = await ObserveAsync(7, writes);
        var reversed = await ObserveAsync(7, [.. writes.Reverse()]);
        var otherSeed = await ObserveAsync(8, writes);

        Assert.Equal(first.Seen, reversed.Seen);
        Assert.NotEqual(first.Seen, otherSeed.Seen);

        // What each fault does to the storage client's request, and how often the write reached storage.
        var patterns = new Dictionary<StorageFault, string>
        {
            [StorageFault.UnavailableBefore] = "503 204 | 204, applied 2",
            [StorageFault.UnavailableAfter] = "503 204 | 204, applied 3",
            [StorageFault.OutageBefore] = "503 503 503 503 | 204, applied 1",
            [StorageFault.OutageAfter] = "503 503 503 503 | 204, applied 2",
        };
        var byPattern = first.Seen.Values.GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Writes - first.Faults.Values.Sum(), byPattern.GetValueOrDefault("204 | 204, applied 2"));
        Assert.All(Shares.Keys, fault => Assert.Equal(first.Faults.GetValueOrDefault(fault), byPattern.GetValueOrDefault(patterns[fault])));
        Assert.Equal(Writes, byPattern.Where(p => p.Key == "204 | 204, applied 2" || patterns.ContainsValue(p.Key)).Sum(p => p.Value));
        Assert.All(Shares.Keys, fault => Assert.InRange(first.Faults.GetValueOrDefault(fault), 8, 35));
    }

    [Fact]
    public async Task A_tables_creation_meets_no_outage_while_every_entity_write_does()
    {
        await using var storage = await StorageAsync();
        var outagesOnly = new Dictionary<StorageFault, double> { [StorageFault.OutageBefore] = 0.5, [StorageFault.OutageAfter] = 0.5 };
        await using var proxy = await StorageFaultProxy.StartAsync(new StorageFaultOptions { Shares = outagesOnly }, storage.Table);
        using var client = new HttpClient();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal([204], await RequestAsync(client, new Uri(proxy.TableEndpoint + "/Tables"), $$"""{"TableName":"t{{i}}"}""", ClientTries));
            Assert.Equal([503, 503, 503, 503], await RequestAsync(client, new Uri(proxy.TableEndpoint + $"/t{i}"), $$"""{"PartitionKey":"p","RowKey":"r"}""", ClientTries));
        }

        Assert.Equal(20, proxy.Faults.Values.Sum());
        Assert.DoesNotContain("Tables", proxy.FaultsByTable.Keys);
    }

    /// <summary>Each write sent as the storage client sends it (up to <see cref="ClientTries"/> tries of one request while
    /// answered 503), then once more in a new request, as a redelivered activity would: what each try got, and how many
    /// times the write reached storage. And the faults the proxy counted.</summary>
    private static async Task<(Dictionary<int, string> Seen, IReadOnlyDictionary<StorageFault, int> Faults)> ObserveAsync(int seed, int[] order)
    {
        await using var storage = await StorageAsync();
        await using var proxy = await StorageFaultProxy.StartAsync(new StorageFaultOptions { Seed = seed, Shares = Shares }, storage.Table);
        using var client = new HttpClient();
        var items = new Uri(proxy.TableEndpoint + "/Items");
        var seen = new Dictionary<int, string>();
        foreach (var write in order)
        {
            var body = string.Create(CultureInfo.InvariantCulture, $$"""{"PartitionKey":"p","RowKey":"{{write}}","Value":{{write}}}""");
            var first = await RequestAsync(client, items, body, ClientTries);
            var second = await RequestAsync(client, items, body, 1);
            seen[write] = $"{string.Join(' ', first)} | {string.Join(' ', second)}, applied {storage.Applied.GetValueOrDefault(body)}";
        }

        return (seen, proxy.Faults);
    }

    /// <summary>A stand-in for the Table endpoint: answers every request 204 and counts the bodies it received.</summary>
    private static async Task<FakeStorage> StorageAsync()
    {
        var applied = new ConcurrentDictionary<string, int>();
        var app = LoopbackApp.Create();
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            applied.AddOrUpdate(await reader.ReadToEndAsync(), 1, (_, n) => n + 1);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        });
        return new FakeStorage(app, new Uri(await LoopbackApp.StartAsync(app), "devstoreaccount1"), applied);
    }

    /// <summary>Tries of one request (one client request id) until one is not answered 503.</summary>
    private static async Task<List<int>> RequestAsync(HttpClient client, Uri uri, string body, int tries)
    {
        var id = Guid.NewGuid().ToString();
        var statuses = new List<int>();
        while (statuses.Count < tries && (statuses.Count == 0 || statuses[^1] == (int)HttpStatusCode.ServiceUnavailable))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("x-ms-client-request-id", id);
            using var response = await client.SendAsync(request);
            statuses.Add((int)response.StatusCode);
        }

        return statuses;
    }

    private sealed record FakeStorage(WebApplication App, Uri Table, ConcurrentDictionary<string, int> Applied) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
