using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Dsp.Core.Agents;
using Dsp.Core.Planning;
using Dsp.Core.Runs;
using Dsp.Core.Simulation;
using Dsp.Core.Traces;
using Dsp.Functions;
using Dsp.Functions.Planning;
using Dsp.Functions.Telemetry;
using Dsp.Functions.Tests;
using Dsp.Hosting;
using Dsp.Storage;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Dsp.Reliability.Tests;

/// <summary>
/// The Functions app's orchestrator and activities on the Durable Task Azure Storage provider (what host.json runs in
/// Azure) over an Azurite of the test's own: history in tables, messages in queues, large payloads in blobs, workers
/// that die.
/// </summary>
public class AzureStorageDurableTests(ITestOutputHelper output)
{
    private static readonly string BundledTraces = Path.Combine(AppContext.BaseDirectory, "traces", "openagi-gpt4turbo.jsonl");

    /// <summary>Model calls that last long enough to be caught in flight by a kill.</summary>
    private static readonly FaultOptions SlowModels = new()
    {
        FailureShare = 0,
        DefaultFirstChunkDelay = TimeSpan.FromMilliseconds(150),
        FirstChunkDelay = new Dictionary<string, TimeSpan> { ["target"] = TimeSpan.FromMilliseconds(600) },
        ChunkDelay = TimeSpan.FromMilliseconds(5),
    };

    [Fact]
    public async Task Every_bundled_trace_plans_the_targets_plan_with_the_calls_cancellations_and_bill_of_the_in_memory_host()
    {
        var traces = TraceReader.ReadFile(BundledTraces);
        await using var azurite = await PrivateAzurite.StartAsync();
        var clock = Stopwatch.StartNew();
        var inMemory = await PlanOnVirtualTimeAsync(traces, new InMemoryDurableBackend(), TimeSpan.FromMilliseconds(40));
        var inMemoryTime = clock.Elapsed;
        var azure = await PlanOnVirtualTimeAsync(
            traces, new AzureStorageDurableBackend(azurite.ConnectionString(), Provider(NewHub())), TimeSpan.FromMilliseconds(150));

        var calls = 0;
        for (var i = 0; i < traces.Count; i++)
        {
            var (memory, storage) = (inMemory[i], azure[i]);
            Assert.Equal(PlanOutcomes.Completed, storage.Outcome);
            Assert.Equal(TraceSimulator.TargetPlan(traces[i]), storage.Plan);
            Assert.Equal(memory.Plan, storage.Plan);
            Assert.Equal(memory.Depths, storage.Depths);
            var expected = Started(memory);
            var actual = Started(storage);
            Assert.Equal(expected.Keys.ToHashSet(), actual.Keys.ToHashSet());
            foreach (var (key, call) in expected)
            {
                Assert.True(call.Usage == actual[key].Usage, $"{traces[i].Id} {key}: {actual[key].Usage} on Azure Storage, {call.Usage} in memory");
                Assert.Equal(call.CostUsd, actual[key].CostUsd, 12);
            }

            Assert.Equal(memory.Run.CostUsd, storage.Run.CostUsd, 9);
            Assert.Equal(memory.Run.UnnecessaryCostUsd, storage.Run.UnnecessaryCostUsd, 9);
            Assert.Equal(memory.Run.CancelledCalls, storage.Run.CancelledCalls);
            calls += actual.Count;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{traces.Count} traces, {inMemory.Sum(p => p.Plan.Count)} steps, {calls} calls started: identical on both backends; in memory {inMemoryTime.TotalSeconds:0.0} s, Azure Storage {(clock.Elapsed - inMemoryTime).TotalSeconds:0.0} s"));

        // Calls cancelled before their agent was called never started, on either backend, whenever the cancellation arrived.
        static Dictionary<CallKey, PlanCall> Started(PlanResult plan) => plan.Calls.Where(c => c.Usage.PromptTokens > 0).ToDictionary(c => c.Call);
    }

    [Fact]
    public async Task Plans_survive_a_worker_killed_while_calls_are_in_flight_and_another_killed_during_RecordRun()
    {
        const int Plans = 20;
        await using var azurite = await PrivateAzurite.StartAsync();
        var storage = Harness.StorageSettings(azurite.ConnectionString());
        var runsTable = storage["Dsp:Storage:TablePrefix"] + DspStorageAccount.RunsTableName;
        await using var proxy = await StorageFaultProxy.StartAsync(new StorageFaultOptions { HoldWritesTo = runsTable }, azurite.TableEndpoint);
        await using var server = await FaultyOpenAIServer.StartAsync(SlowModels, Harness.Answer);
        var provider = Provider(NewHub());
        var settings = ProviderSettings(provider).Concat(storage).ToDictionary();
        var configuration = Harness.Configuration(server.Endpoint, more: settings);

        // The worker processes reach the app's tables through the proxy, which can hold RecordRun's writes.
        var workerSettings = Harness.Configuration(server.Endpoint, more: new Dictionary<string, string?>(settings)
        {
            ["Dsp:Storage:ConnectionString"] = azurite.ConnectionString(proxy.TableEndpoint),
        }).AsEnumerable().ToList();
        await using var client = await InProcessPlanner.StartAsync(
            configuration, services => services.AddDspStorage(configuration), backend: new AzureStorageDurableBackend(azurite.ConnectionString(), provider, runWorker: false));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(240));

        var first = await DspWorkerProcess.StartAsync(azurite.ConnectionString(), workerSettings);
        var plans = new List<(int Number, string Id, PlanInput Input)>();
        for (var number = 0; number < Plans; number++)
        {
            var input = new PlanInput(Harness.Task(number), 0.5f, 1, 20, "exact", "default");
            plans.Add((number, await client.StartPlanAsync(input, timeout.Token), input));
        }

        // Kill 1: once half the plans wait on model calls.
        var inFlightAtFirstKill = await WaitForCallsInFlightAsync(client.Client, plans.Select(p => p.Id), Plans / 2, timeout.Token);
        await first.KillAsync();
        var requestsBeforeSecond = server.Requests;

        // Kill 2: the next worker is killed while a RecordRun has written its transitions and waits on its run row.
        proxy.Holding = true;
        var second = await DspWorkerProcess.StartAsync(azurite.ConnectionString(), workerSettings);
        await proxy.FirstHeld.WaitAsync(timeout.Token);
        var inFlightAtSecondKill = await CallsInFlightAsync(client.Client, plans.Select(p => p.Id), timeout.Token);
        var heldRecords = proxy.Held;
        await second.KillAsync();
        proxy.ReleaseHeld();

        // The last worker runs in this process, so its spans can be seen.
        var spans = new ConcurrentBag<Activity>();
        using var listener = SpanListener(spans);
        await using var last = await InProcessPlanner.StartAsync(
            configuration, services => services.AddDspStorage(configuration), backend: new AzureStorageDurableBackend(azurite.ConnectionString(), provider));
        var results = new List<PlanResult>();
        foreach (var plan in plans)
        {
            results.Add(await last.WaitAsync(plan.Id, timeout.Token));
        }

        var ids = plans.Select(p => p.Id).ToHashSet();
        var transitions = (await last.Services.GetRequiredService<ITrainingStore>().ReadSinceAsync(null, int.MaxValue)).Runs.SelectMany(r => r.Transitions).ToList();
        var runs = await last.Services.GetRequiredService<IRunStore>().RecentAsync(Plans * 2);
        var expectedTransitions = 0;
        for (var i = 0; i < Plans; i++)
        {
            var (number, id, input) = plans[i];
            var result = results[i];
            Assert.True(result.Outcome == PlanOutcomes.Completed, $"plan {number}: {result.Outcome} {result.Error}");
            Assert.Equal(Harness.TargetPlan(number), result.Plan);
            Assert.True(result.RecordError is null, $"plan {number}: {result.RecordError}");
            var (_, expected, _) = Harness.Expected(id, input, result);
            Assert.Equal(expected.Select(Harness.Json), transitions.Where(t => t.RunId == id).Select(Harness.Json));
            expectedTransitions += expected.Count;
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), runs.Select(r => r.RunId).Order(StringComparer.Ordinal));
        Assert.Equal(expectedTransitions, transitions.Count);
        var callSpans = spans.Where(s => s.OperationName == "dsp.call" && ids.Contains((string)s.GetTagItem("dsp.run_id")!)).ToList();
        var redelivered = callSpans.Count(s => inFlightAtSecondKill.Contains(KeyOf(s)));
        var planSpans = spans.Count(s => s.OperationName == "dsp.plan" && ids.Contains((string)s.GetTagItem("dsp.run_id")!));
        Assert.True(inFlightAtFirstKill.Count >= Plans / 2);
        Assert.True(heldRecords > 0);
        Assert.True(server.Retries > 0, "no model call was made twice: no activity was redelivered");
        Assert.True(redelivered > 0, "the last worker ran none of the calls in flight at the second kill");

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"plans {Plans}; kills 2 (SIGKILL): the first with {inFlightAtFirstKill.Count} calls in flight, the second with {heldRecords} RecordRun held at its run row and {inFlightAtSecondKill.Count} calls in flight"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"redelivered activities: {server.Retries} model calls made again by a later worker ({requestsBeforeSecond} requests before the first kill's successor, {server.Requests} in all, {server.Calls} distinct); the last worker's spans show {redelivered} of the calls in flight at the second kill run again and {planSpans} runs recorded by it"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"runs stored {runs.Count} (expected {Plans}), transitions stored {transitions.Count} (expected {expectedTransitions}); every plan completed with the target's plan"));

        static (string, CallKey) KeyOf(Activity span) => (
            (string)span.GetTagItem("dsp.run_id")!,
            new CallKey(
                Convert.ToInt32(span.GetTagItem("dsp.round"), CultureInfo.InvariantCulture),
                Enum.Parse<AgentRole>((string)span.GetTagItem("dsp.role")!, ignoreCase: true),
                Convert.ToInt32(span.GetTagItem("dsp.position"), CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_plan_of_50_steps_of_8000_characters_completes_with_its_payloads_in_blobs()
    {
        const int Steps = 50;
        const int Length = 8_000;
        var trace = LargeTrace(Steps, Length);
        var file = Path.Combine(Directory.CreateTempSubdirectory("dsp-large-").FullName, "large.jsonl");
        TraceWriter.WriteFile(file, [trace]);
        await using var azurite = await PrivateAzurite.StartAsync();
        var provider = Provider(NewHub());
        var configuration = ReplayConfiguration(file, latencyScale: 0.002);
        await using var planner = await InProcessPlanner.StartAsync(
            configuration, services => services.AddInMemoryStores(), backend: new AzureStorageDurableBackend(azurite.ConnectionString(), provider));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(300));

        var clock = Stopwatch.StartNew();
        var id = await planner.StartPlanAsync(new PlanInput(trace.Task, 0.5f, 1, Steps, "exact", "default", trace.Id), timeout.Token);
        var result = await planner.WaitAsync(id, timeout.Token);
        var elapsed = clock.Elapsed;

        Assert.True(result.Outcome == PlanOutcomes.Completed, $"{result.Outcome}: {result.Error}");
        Assert.Equal(TraceSimulator.TargetPlan(trace), result.Plan);
        var status = (await planner.Client.GetInstanceAsync(id, getInputsAndOutputs: true, timeout.Token))!.SerializedCustomStatus ?? string.Empty;
        var history = await TaskHubInspector.HistoryAsync(azurite.ConnectionString(), provider.TaskHubName, id, timeout.Token);
        Assert.True(history.Blobs > 0, "no payload went to a blob");

        // The provider keeps custom status in a table property: at most 64 KiB.
        Assert.True(2 * status.Length <= 64 * 1024, $"custom status of {2 * status.Length} bytes");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Steps} steps of {Length:N0} characters, task of {trace.Task.Length:N0}: completed in {elapsed.TotalSeconds:0.0} s, {result.Run.Rounds} rounds, {result.Calls.Count} calls"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"history {history.Rows} rows, {history.TableBytes / 1024.0:N0} KiB in the table and {history.Blobs} payloads, {history.BlobBytes / 1024.0:N0} KiB, in blobs ({history.Bytes / (double)Steps / 1024:N1} KiB per step); custom status {2 * status.Length:N0} bytes (limit 65,536)"));
    }

    [Fact]
    public async Task A_plan_that_continues_as_new_every_round_is_one_plan_for_GET_its_id_status_start_and_whole_result()
    {
        var trace = TraceReader.ReadFile(BundledTraces)[0];
        await using var azurite = await PrivateAzurite.StartAsync();
        await using var planner = await InProcessPlanner.StartAsync(
            ReplayConfiguration(BundledTraces, latencyScale: 0.002), services => services.AddInMemoryStores(), backend: new AzureStorageDurableBackend(azurite.ConnectionString(), Provider(NewHub())));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));

        var executions = await ContinuedPlanChecks.AssertOnePlanForTheClientAsync(planner, trace, "continued-plan", TimeSpan.FromMilliseconds(50), timeout.Token);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{trace.Id}: {trace.Steps.Count} steps in {executions} executions, one plan for GET"));
    }

    /// <summary>
    /// The Durable client's gRPC messages are capped at 4 MB, and the worker's default JSON writes each CJK character as a
    /// six-character escape: a plan of 50 steps of 8,000 CJK characters has a result of more than 4 MB. The orchestration's
    /// output holds one execution's segment at most, and the rest is read from the plan store, so it reads whole. On both
    /// backends: the cap is the client channel's, the same on both; on Azure Storage the cancelled branches come back
    /// later, so the plan reaches its executions' steps limit with branches still out, and waits for them rather than
    /// carrying on in one execution (whose record would go out in one activity input over the worker's 3.9 MB).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_plan_whose_result_is_over_the_durable_clients_4_MB_messages_reads_whole(bool onAzureStorage)
    {
        var trace = LargeCjkTrace("cjk-large-1", out var file);
        await using var azurite = onAzureStorage ? await PrivateAzurite.StartAsync() : null;
        await using var planner = await InProcessPlanner.StartAsync(
            ReplayConfiguration(file, latencyScale: 0), services => services.AddInMemoryStores(),
            backend: azurite is null ? null : new AzureStorageDurableBackend(azurite.ConnectionString(), Provider(NewHub())));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));

        var id = await planner.StartPlanAsync(new PlanInput(trace.Task, 0.5f, 0, 50, "exact", "default", trace.Id), timeout.Token);
        var result = await planner.WaitAsync(id, timeout.Token);
        var orchestrationOutput = (await planner.Client.GetInstanceAsync(id, getInputsAndOutputs: true, timeout.Token))!.SerializedOutput!;

        Assert.Equal(TraceSimulator.TargetPlan(trace), result.Plan);
        var whole = System.Text.Json.JsonSerializer.Serialize(result).Length;
        Assert.True(whole > 4 * 1024 * 1024, $"the result is only {whole:N0} characters");
        Assert.InRange(orchestrationOutput.Length, 1, 4 * 1024 * 1024);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(onAzureStorage ? "Azure Storage" : "in memory")}, 50 steps of 8,000 CJK characters: the whole result is {whole:N0} characters of JSON, over the client's 4 MB messages; the orchestration's output {orchestrationOutput.Length:N0}"));
    }

    /// <summary>
    /// A plan kept in one execution (no steps limit) sends its whole record to <c>RecordRun</c> in one activity input:
    /// 50 steps of 8,000 CJK characters are more than the portable worker's 3.9 MB per orchestrator action, and the
    /// worker fails the orchestration itself. The sidecar drops the failure's details; its log keeps them.
    /// </summary>
    [Fact]
    public async Task An_orchestration_the_worker_fails_for_an_action_over_its_messages_is_logged_with_the_reason()
    {
        var trace = LargeCjkTrace("cjk-large-2", out var file);
        await using var azurite = await PrivateAzurite.StartAsync();
        var logs = new LogCapture();
        await using var planner = await InProcessPlanner.StartAsync(
            ReplayConfiguration(file, latencyScale: 0), services => services.AddInMemoryStores(), services => services.AddLogging(l => l.AddProvider(logs)),
            backend: new AzureStorageDurableBackend(azurite.ConnectionString(), Provider(NewHub())));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));

        var oneExecution = new ExecutionLimits(Rounds: 1000, ContentCharacters: int.MaxValue, InlineContextCharacters: 4096);
        var id = await planner.StartPlanAsync(new PlanInput(trace.Task, 0.5f, 0, 50, "exact", "default", trace.Id, Limits: oneExecution), timeout.Token);

        await Assert.ThrowsAsync<InvalidOperationException>(() => planner.WaitAsync(id, timeout.Token));
        var logged = Assert.Single(logs.Entries, e => e.Message.StartsWith($"{id}: the worker failed the orchestration", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Contains("exceeds the 3.90MB limit", logged.Message, StringComparison.Ordinal);
        output.WriteLine(logged.Message);
    }

    /// <summary>50 steps of 8,000 CJK characters, task included.</summary>
    private static AgentTrace LargeCjkTrace(string id, out string file)
    {
        static string Text(int i) => string.Concat(Enumerable.Repeat($"第{i}步：修复模糊的图像，然后与原图比对。", 1 + (8_000 / 18)))[..8_000];
        var trace = Trace(id, Text(0), 50, Text, 0, 0);
        file = Path.Combine(Directory.CreateTempSubdirectory("dsp-cjk-large-").FullName, "cjk-large.jsonl");
        TraceWriter.WriteFile(file, [trace]);
        return trace;
    }

    [Fact]
    public async Task A_plan_of_50_CJK_and_quote_heavy_steps_completes_with_its_custom_status_within_16_KiB()
    {
        // Each character of these steps is written as a six-character escape by the default JSON encoder.
        static string Step(int i) => string.Concat(Enumerable.Repeat($"第{i}步：修复“模糊”的图像<\"'&+>", 20))[..200];
        var trace = Trace("cjk-1", "给定一张模糊的图像，如何一步一步地恢复它？", 50, Step, 0, 0);
        var file = Path.Combine(Directory.CreateTempSubdirectory("dsp-cjk-").FullName, "cjk.jsonl");
        TraceWriter.WriteFile(file, [trace]);
        await using var azurite = await PrivateAzurite.StartAsync();
        await using var planner = await InProcessPlanner.StartAsync(
            ReplayConfiguration(file, latencyScale: 0), services => services.AddInMemoryStores(), backend: new AzureStorageDurableBackend(azurite.ConnectionString(), Provider(NewHub())));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        var id = await planner.StartPlanAsync(new PlanInput(trace.Task, 0.5f, 0, 50, "exact", "default", trace.Id), timeout.Token);
        var largest = 0;
        var waiting = planner.WaitAsync(id, timeout.Token);
        while (!waiting.IsCompleted)
        {
            var status = (await planner.Client.GetInstanceAsync(id, getInputsAndOutputs: true, timeout.Token))?.SerializedCustomStatus;
            largest = Math.Max(largest, 2 * (status?.Length ?? 0));
            await Task.WhenAny(waiting, Task.Delay(100, timeout.Token));
        }

        var result = await waiting;
        var final = 2 * ((await planner.Client.GetInstanceAsync(id, getInputsAndOutputs: true, timeout.Token))!.SerializedCustomStatus?.Length ?? 0);
        Assert.Equal(TraceSimulator.TargetPlan(trace), result.Plan);
        Assert.InRange(Math.Max(largest, final), 1, 16 * 1024);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"50 steps of 200 CJK and quote characters: completed; custom status at most {Math.Max(largest, final):N0} bytes of UTF-16 (budget 16,384; the table property's limit 65,536)"));
    }

    [Fact]
    public async Task Plans_in_flight_when_Azurite_stops_for_5_seconds_complete_after_it_restarts()
    {
        const int Plans = 20;
        const int StopAfter = 5;
        await using var azurite = await PrivateAzurite.StartAsync();
        await using var server = await FaultyOpenAIServer.StartAsync(SlowModels with { FirstChunkDelay = new Dictionary<string, TimeSpan> { ["target"] = TimeSpan.FromMilliseconds(200) } }, Harness.Answer);
        var configuration = Harness.Configuration(server.Endpoint, more: Harness.StorageSettings(azurite.ConnectionString()));
        await using var planner = await InProcessPlanner.StartAsync(
            configuration, services => services.AddDspStorage(configuration), backend: new AzureStorageDurableBackend(azurite.ConnectionString(), Provider(NewHub())));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(240));
        var outage = await OutageReport.RunAsync(planner, azurite, Plans, Plans, StopAfter, TimeSpan.FromSeconds(5), timeout.Token);
        var (batch, stoppedAt, restartedAt) = (outage.Batch, outage.StoppedAt, outage.RestartedAt);

        batch.AssertAllCompletedLosslessly();
        var transitions = await batch.AssertStoredExactlyOnceAsync(planner.Services);
        var across = outage.AcrossOutage;
        Assert.True(across > 0, "no plan was in flight across the outage");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"plans {Plans} at once; Azurite (task hub and app tables) stopped after {StopAfter} finished and restarted {(restartedAt - stoppedAt).TotalSeconds:0.0} s later; {across} plans in flight across the outage"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"all completed; runs {Plans} and transitions {transitions} stored once each; wall {batch.Wall.TotalSeconds:0.0} s, latency p50 {batch.Percentile(0.5):0.0} s, max {batch.Percentile(1):0.0} s"));
    }

    [Fact]
    public void The_local_Azure_Storage_host_runs_with_the_durableTask_settings_of_host_json()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "host.json")))
        {
            root = root.Parent ?? throw new InvalidOperationException("No host.json above the tests.");
        }

        using var hostJson = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(root.FullName, "host.json")));
        var durable = hostJson.RootElement.GetProperty("extensions").GetProperty("durableTask");
        var provider = durable.GetProperty("storageProvider");
        var local = new AzureStorageDurableOptions();
        Assert.Equal(durable.GetProperty("hubName").GetString(), local.TaskHubName);
        Assert.Equal(durable.GetProperty("maxConcurrentActivityFunctions").GetInt32(), local.MaxConcurrentActivities);
        Assert.Equal(durable.GetProperty("maxConcurrentOrchestratorFunctions").GetInt32(), local.MaxConcurrentOrchestrations);
        Assert.Equal(provider.GetProperty("partitionCount").GetInt32(), local.PartitionCount);
        Assert.Equal(TimeSpan.Parse(provider.GetProperty("maxQueuePollingInterval").GetString()!, CultureInfo.InvariantCulture), local.MaxQueuePollingInterval);
    }

    /// <summary>The provider tuned for tests: a dead worker's leases and messages come back within seconds.</summary>
    private static AzureStorageDurableOptions Provider(string hub) => new()
    {
        TaskHubName = hub,
        MaxQueuePollingInterval = TimeSpan.FromMilliseconds(500),
        LeaseInterval = TimeSpan.FromSeconds(3),
        ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(5),
        WorkItemQueueVisibilityTimeout = TimeSpan.FromSeconds(5),
    };

    private static Dictionary<string, string?> ProviderSettings(AzureStorageDurableOptions provider) => new()
    {
        [$"{AzureStorageDurableOptions.Section}:TaskHubName"] = provider.TaskHubName,
        [$"{AzureStorageDurableOptions.Section}:MaxQueuePollingInterval"] = provider.MaxQueuePollingInterval.ToString("c", CultureInfo.InvariantCulture),
        [$"{AzureStorageDurableOptions.Section}:LeaseInterval"] = provider.LeaseInterval.ToString("c", CultureInfo.InvariantCulture),
        [$"{AzureStorageDurableOptions.Section}:ControlQueueVisibilityTimeout"] = provider.ControlQueueVisibilityTimeout.ToString("c", CultureInfo.InvariantCulture),
        [$"{AzureStorageDurableOptions.Section}:WorkItemQueueVisibilityTimeout"] = provider.WorkItemQueueVisibilityTimeout.ToString("c", CultureInfo.InvariantCulture),
    };

    private static string NewHub() => "t" + Guid.NewGuid().ToString("N")[..12];

    private static IConfiguration ReplayConfiguration(string traces, double latencyScale) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dsp:Agents:Replay:LatencyScale"] = latencyScale.ToString(CultureInfo.InvariantCulture),
            ["Dsp:Agents:Replay:Traces:0"] = traces,
            ["Dsp:Plans:CancellationPollInterval"] = "00:00:00.010",
            ["Dsp:Policy:RefreshInterval"] = "00:00:00",
        })
        .Build();

    /// <summary>Plans every trace at once with replay agents on virtual clocks, so the calls do not depend on the
    /// backend's speed.</summary>
    private static async Task<PlanResult[]> PlanOnVirtualTimeAsync(IReadOnlyList<AgentTrace> traces, IDurableBackend backend, TimeSpan quiet)
    {
        await using var agents = new VirtualTimeReplayProfiles(new TraceCatalog(traces), quiet);
        await using var planner = await InProcessPlanner.StartAsync(
            ReplayConfiguration(BundledTraces, 1), services => services.AddInMemoryStores(), services => services.AddSingleton<IAgentProfiles>(agents), backend);
        agents.Client = planner.Client;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(240));
        return await Task.WhenAll(traces.Select(async trace =>
            await planner.WaitAsync(await planner.StartPlanAsync(new PlanInput(trace.Task, 0.9f, 2, trace.Steps.Count, "exact", "default", trace.Id), timeout.Token), timeout.Token)));
    }

    /// <summary>Waits until at least <paramref name="atLeast"/> model calls are in flight across the plans, and returns them.</summary>
    private static async Task<HashSet<(string, CallKey)>> WaitForCallsInFlightAsync(DurableTaskClient client, IEnumerable<string> ids, int atLeast, CancellationToken cancellationToken)
    {
        while (true)
        {
            var calls = await CallsInFlightAsync(client, ids, cancellationToken);
            if (calls.Count >= atLeast)
            {
                return calls;
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task<HashSet<(string, CallKey)>> CallsInFlightAsync(DurableTaskClient client, IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var calls = new HashSet<(string, CallKey)>();
        foreach (var id in ids)
        {
            var progress = (await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken))?.ReadCustomStatusAs<PlanProgress>();
            calls.UnionWith(progress?.InFlight.Select(call => (id, call)) ?? []);
        }

        return calls;
    }

    private static ActivityListener SpanListener(ConcurrentBag<Activity> spans)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PlanTracing.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    /// <summary>A recorded run of <paramref name="steps"/> steps of <paramref name="length"/> characters (the last one
    /// TERMINATE) for a task of 8,000: the drafter is right except at every fifth position.</summary>
    private static AgentTrace LargeTrace(int steps, int length)
    {
        static string Text(string label, int length) =>
            string.Concat(Enumerable.Repeat($"{label}: restore the photograph's detail, then check it against the original. ", 1 + (length / 60)))[..length];

        return Trace("large-1", Text("Task", 8_000), steps, i => Text($"Step {i}", length), 0.5, 1.5);
    }

    /// <summary>A recorded run of <paramref name="steps"/> steps (<paramref name="step"/> of the 1-based position; the
    /// last one TERMINATE); the drafter is wrong at every fifth position.</summary>
    private static AgentTrace Trace(string id, string task, int steps, Func<int, string> step, double draftLatency, double targetLatency) => new()
    {
        Id = id,
        Task = task,
        Models = new TraceModels("gpt-4-turbo", "gpt-4-turbo"),
        Judge = "exact",
        Steps =
        [
            .. Enumerable.Range(0, steps).Select(i =>
            {
                var target = i == steps - 1 ? PlanSteps.Terminate : step(i + 1);
                var draft = i % 5 == 4 ? "Draft: " + step(i + 1) : target;
                return new TraceStep(new TraceCall(draft, 2_500, 2_000, draftLatency), new TraceCall(target, 2_500, 2_000, targetLatency));
            }),
        ],
    };
}
