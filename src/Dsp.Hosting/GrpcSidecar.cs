using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dsp.Hosting;

/// <summary>
/// The Durable Task SDK's gRPC sidecar (<see cref="TaskHubGrpcServer"/>, from the in-process test host) serving an
/// orchestration service on a loopback port of its own: the portable SDK's worker and client talk to it as they
/// talk to the Functions host's Durable extension.
/// </summary>
internal sealed class GrpcSidecar : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcSidecar(WebApplication app, GrpcChannel workerChannel, GrpcChannel clientChannel)
    {
        _app = app;
        WorkerChannel = workerChannel;
        ClientChannel = clientChannel;
    }

    /// <summary>The worker's channel, uncapped: work items carry an orchestration's whole history, which the Functions
    /// host sends its worker under the cap it sets itself (<c>--grpcMaxMessageLength</c>), far above gRPC's 4 MB.</summary>
    public GrpcChannel WorkerChannel { get; }

    /// <summary>The client's channel, with gRPC's default 4 MB cap on what it receives, as the Durable client of an
    /// isolated Functions worker has.</summary>
    public GrpcChannel ClientChannel { get; }

    /// <param name="service">The orchestration service (where history lives).</param>
    /// <param name="client">Its client side (queries, starts, events).</param>
    /// <param name="dispatch">Whether the sidecar fetches work items for a worker (else it only answers the client).</param>
    /// <param name="loggerFactory">Where it logs.</param>
    /// <param name="cancellationToken">Stops waiting for it to start.</param>
    public static async Task<GrpcSidecar> StartAsync(
        IOrchestrationService service, IOrchestrationServiceClient client, bool dispatch, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        // The worker's results (activity outputs, orchestrator actions) reach the Functions host over its invocation
        // channel, which has no 4 MB cap either.
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = null;
            grpc.Interceptors.Add<FailedOrchestrationLogger>();
        });
        builder.Services.AddSingleton(service);
        builder.Services.AddSingleton(client);
        builder.Services.Configure<TaskHubGrpcServerOptions>(options =>
            options.Mode = dispatch ? TaskHubGrpcServerMode.ApiServerAndDispatcher : TaskHubGrpcServerMode.ApiServerOnly);
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        var app = builder.Build();
        app.MapGrpcService<TaskHubGrpcServer>();

        // Created now, so that it sees the application start and starts its dispatchers.
        _ = app.Services.GetRequiredService<TaskHubGrpcServer>();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new GrpcSidecar(
            app,
            GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null }),
            GrpcChannel.ForAddress(address));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in new[] { WorkerChannel, ClientChannel })
        {
            await channel.ShutdownAsync();
            channel.Dispose();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
