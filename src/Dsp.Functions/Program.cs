using Dsp.Agents;
using Dsp.Functions;
using Dsp.Functions.Http;
using Dsp.Functions.Telemetry;
using Dsp.Storage;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddDspPlanning(builder.Configuration).AddDspStorage(builder.Configuration).AddDspHttpJson();
builder.Services.AddOpenTelemetry()
    .UseFunctionsWorkerDefaults()
    .WithTracing(tracing => tracing.AddSource(PlanTracing.ActivitySourceName, AgentTelemetry.ActivitySourceName))
    .WithMetrics(metrics => metrics.AddMeter(PlanTelemetry.MeterName, AgentTelemetry.MeterName))
    .UseAzureMonitorWhenConfigured(builder.Configuration);
builder.Build().Run();
