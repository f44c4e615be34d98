using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using P = Microsoft.DurableTask.Protobuf;

namespace Dsp.Hosting;

/// <summary>
/// Logs why the worker failed an orchestration. The sidecar keeps an orchestration's <c>Failed</c> status but drops
/// its failure details (its history's completion event has none, so the instance reads back without them), where the
/// Functions host's Durable extension stores them; failures the worker decides itself (an orchestrator action over its
/// 3.9 MB messages) never reach the orchestrator's code, so this log is the only place they show locally.
/// </summary>
internal sealed partial class FailedOrchestrationLogger(ILogger<FailedOrchestrationLogger> logger) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (request is P.OrchestratorResponse response)
        {
            foreach (var action in response.Actions)
            {
                if (action.CompleteOrchestration is { OrchestrationStatus: P.OrchestrationStatus.Failed, FailureDetails: { } failure })
                {
                    LogFailed(logger, response.InstanceId, failure.ErrorType, failure.ErrorMessage);
                }
            }
        }

        return continuation(request, context);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{InstanceId}: the worker failed the orchestration: {ErrorType}: {ErrorMessage}")]
    private static partial void LogFailed(ILogger logger, string instanceId, string errorType, string errorMessage);
}
