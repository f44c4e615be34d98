using System.Net;
using System.Net.Security;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Dsp.Functions.Http;
using Dsp.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dsp.Functions.Tests;

/// <summary>
/// The app's HTTP functions served on 127.0.0.1 the way the isolated worker's ASP.NET Core integration
/// (Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore) serves them, for tests that talk real HTTP:
/// <list type="bullet">
/// <item>Routes: each <c>[HttpTrigger]</c> method of the app, at <c>{routePrefix}/{Route ?? function name}</c> for its
/// methods, with the route prefix read from host.json (<c>extensions.http.routePrefix</c>, default <c>api</c>), as the
/// extension's <c>FunctionsEndpointDataSource</c> maps them.</item>
/// <item>Invocation: a new instance of the function's class per call from the app's services
/// (<c>ActivatorUtilities</c>, as the worker's <c>DefaultFunctionActivator</c>); the <c>HttpRequest</c>, route values
/// by parameter name, the request's cancellation, and the planner's <see cref="DurableTaskClient"/> for
/// <c>[DurableClient]</c>.</item>
/// <item>Answers: an <see cref="IActionResult"/> is executed with <c>ExecuteResultAsync(new ActionContext(httpContext,
/// routeData, new ActionDescriptor()))</c> on services with <c>AddMvc()</c> and the app's JSON configuration
/// (<see cref="ApiJson.AddDspHttpJson"/>), as the extension's <c>FunctionsHttpProxyingMiddleware</c> does; so
/// answers are serialized by MVC exactly as in Azure. An exception is a 500, as a failed invocation is.</item>
/// </list>
/// Where it differs from the Functions host, which cannot run here:
/// <list type="bullet">
/// <item>Keys: the host checks <c>x-functions-key</c> (or <c>?code=</c>) against the function, host and master keys in
/// its secret store; this server accepts the one <see cref="FunctionKey"/> for every function whose level is not
/// Anonymous. Both answer 401 with an empty body without one.</item>
/// <item>The host receives the request and proxies it to the worker (forwarded headers, its own request limits: 100 MB
/// by default); here the client talks to the worker's pipeline directly, with Kestrel's body limit raised to the same
/// 100 MB, so only the function's own 64 KB limit applies in both.</item>
/// <item>HTTPS, as a function app that allows HTTPS only, but with a self-signed certificate for 127.0.0.1 made per
/// server, which only clients from <see cref="CreateHandler"/> trust.</item>
/// <item>The durable client is the in-process planner's (in-memory backend), not the host's durable extension; the
/// host's overridableExistingInstanceStates does not apply.</item>
/// </list>
/// </summary>
internal sealed class FunctionsLoopbackServer : IAsyncDisposable
{
    /// <summary>The one key this server accepts (header <c>x-functions-key</c> or query <c>code</c>).</summary>
    public const string FunctionKey = "loopback-function-key";

    public const string KeyHeader = "x-functions-key";

    private const string KeyQuery = "code";

    private const long HostMaxRequestBytes = 100L * 1024 * 1024;

    private readonly WebApplication _app;

    private readonly X509Certificate2 _certificate;

    private FunctionsLoopbackServer(WebApplication app, X509Certificate2 certificate, Uri address, string routePrefix)
    {
        _app = app;
        _certificate = certificate;
        Address = address;
        ApiAddress = new Uri(address, routePrefix + "/");
    }

    /// <summary><c>https://127.0.0.1:port/</c>.</summary>
    public Uri Address { get; }

    /// <summary>Where the functions' routes start: <c>https://127.0.0.1:port/api/</c>.</summary>
    public Uri ApiAddress { get; }

    /// <summary>Every HTTP function of the app: its name, class, method and trigger.</summary>
    public static IReadOnlyList<HttpFunction> Functions { get; } = [.. FindFunctions()];

    /// <param name="planner">The app's services and durable client.</param>
    /// <param name="overrides">Services a test puts in place of the app's, for the function classes that take them.</param>
    public static async Task<FunctionsLoopbackServer> StartAsync(InProcessPlanner planner, params object[] overrides)
    {
        var certificate = CreateCertificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate));
            kestrel.Limits.MaxRequestBodySize = HostMaxRequestBytes;
        });
        builder.Services.AddMvc();
        builder.Services.AddDspHttpJson();
        var app = builder.Build();
        app.UseRouting();

        var routePrefix = RoutePrefix();
        foreach (var function in Functions)
        {
            app.MapMethods($"{routePrefix}/{function.Route}", function.Trigger.Methods ?? [], context => InvokeAsync(function, planner, overrides, context))
                .WithDisplayName(function.Name);
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FunctionsLoopbackServer(app, certificate, new Uri(address + "/"), routePrefix);
    }

    /// <summary>A handler for clients of this server: it trusts this server's certificate, and no other.</summary>
    public HttpMessageHandler CreateHandler()
    {
        var thumbprint = _certificate.Thumbprint;
        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is X509Certificate2 presented && presented.Thumbprint == thumbprint,
            },
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _certificate.Dispose();
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Kestrel needs the private key in a form it can use on every platform: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    private static async Task InvokeAsync(HttpFunction function, InProcessPlanner planner, object[] overrides, HttpContext context)
    {
        if (function.Trigger.AuthLevel != AuthorizationLevel.Anonymous && !HasKey(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        using var scope = planner.Services.CreateScope();
        var type = function.Method.DeclaringType!;
        var takes = type.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.ParameterType).ToList();
        var instance = ActivatorUtilities.CreateInstance(scope.ServiceProvider, type, [.. overrides.Where(o => takes.Any(t => t.IsInstanceOfType(o)))]);
        var arguments = function.Method.GetParameters().Select(p => Argument(p, planner, context)).ToArray();
        var result = function.Method.Invoke(instance, arguments) switch
        {
            Task<IActionResult> pending => await pending,
            IActionResult done => done,
            var other => throw new InvalidOperationException($"{function.Name} answered {other?.GetType().Name ?? "null"}, not an IActionResult."),
        };
        await result.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
    }

    private static bool HasKey(HttpRequest request) =>
        request.Headers[KeyHeader].ToString() == FunctionKey || request.Query[KeyQuery].ToString() == FunctionKey;

    private static object Argument(ParameterInfo parameter, InProcessPlanner planner, HttpContext context) => parameter switch
    {
        _ when parameter.ParameterType == typeof(HttpRequest) => context.Request,
        _ when parameter.ParameterType == typeof(DurableTaskClient) => planner.Client,
        _ when parameter.ParameterType == typeof(CancellationToken) => context.RequestAborted,
        _ when parameter.ParameterType == typeof(string) && context.GetRouteValue(parameter.Name!) is string value => value,
        _ => throw new NotSupportedException($"No binding for parameter '{parameter.Name}' of {parameter.Member.Name}."),
    };

    /// <summary>host.json's <c>extensions.http.routePrefix</c>, <c>api</c> when it has none.</summary>
    private static string RoutePrefix()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(PublishTests.RepositoryRoot(), "host.json")));
        return host.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix)
                ? prefix.GetString()!
                : "api";
    }

    private static IEnumerable<HttpFunction> FindFunctions() =>
        from type in typeof(PlansApi).Assembly.GetTypes()
        from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
        let name = method.GetCustomAttribute<FunctionAttribute>()?.Name
        let trigger = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(t => t is not null)
        where name is not null && trigger is not null
        select new HttpFunction(name, method, trigger);
}

/// <summary>An HTTP function of the app.</summary>
internal sealed record HttpFunction(string Name, MethodInfo Method, HttpTriggerAttribute Trigger)
{
    /// <summary>The route after the prefix: the trigger's, else the function's name (as the host maps it).</summary>
    public string Route => Trigger.Route ?? Name;
}
