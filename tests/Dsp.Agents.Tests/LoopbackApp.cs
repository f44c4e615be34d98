using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dsp.Agents.Tests;

/// <summary>The tests' local HTTP servers: a web app on 127.0.0.1 on a port the system picks, without logging.</summary>
internal static class LoopbackApp
{
    /// <summary>The app to map routes on before <see cref="StartAsync"/>; with <paramref name="tls"/>, it serves HTTPS.</summary>
    public static WebApplication Create(Tls? tls = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (tls is not null)
            {
                listen.UseHttps(tls.Certificate);
            }
        }));
        return builder.Build();
    }

    /// <summary>Starts the app; returns its base address (<c>http://127.0.0.1:port/</c> or <c>https://…</c>).</summary>
    public static async Task<Uri> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
    }

    /// <summary>A self-signed certificate for 127.0.0.1, made for one test, and a handler that trusts it alone.</summary>
    internal sealed class Tls : IDisposable
    {
        public Tls()
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
            Certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
        }

        public X509Certificate2 Certificate { get; }

        /// <summary>A client handler that accepts this certificate and no other.</summary>
        public HttpClientHandler TrustingHandler() => new()
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == Certificate.Thumbprint,
        };

        public void Dispose() => Certificate.Dispose();
    }
}
