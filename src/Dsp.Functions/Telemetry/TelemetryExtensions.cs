using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using OpenTelemetry;

namespace Dsp.Functions.Telemetry;

/// <summary>Exports to Application Insights when the app is configured for it (as in Azure), with Entra ID auth.</summary>
public static class TelemetryExtensions
{
    public static IOpenTelemetryBuilder UseAzureMonitorWhenConfigured(this IOpenTelemetryBuilder builder, IConfiguration configuration)
    {
        if (string.IsNullOrEmpty(configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
        {
            return builder;
        }

        return builder.UseAzureMonitorExporter(options => options.Credential = new DefaultAzureCredential(
            new DefaultAzureCredentialOptions { ManagedIdentityClientId = configuration["Dsp:Storage:ClientId"] }));
    }
}
