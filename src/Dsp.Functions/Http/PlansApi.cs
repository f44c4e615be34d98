using System.Text.Json;
using Dsp.Core.Runs;
using Dsp.Functions.Planning;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Dsp.Functions.Http;

/// <summary>The plans API: start a plan, follow it, cancel it. Every function needs a function key.</summary>
public sealed class PlansApi(PlanRequestValidator validator, ICancellationStore cancellations)
{
    /// <summary>Bodies above this size are refused: unread when the Content-Length says so, else as soon as the
    /// stream passes it (a chunked body, or a Content-Length that understates it).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    // A field given twice is ambiguous (which one counts?): refused as invalid JSON.
    private static readonly JsonDocumentOptions _json = new() { AllowDuplicateProperties = false };

    [Function(nameof(StartPlan))]
    public async Task<IActionResult> StartPlan(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "plans")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"A plan request is at most {MaxBodyBytes:N0} bytes.");
        }

        if (!string.IsNullOrEmpty(request.ContentType) && !request.HasJsonContentType())
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", $"A plan request is JSON (Content-Type: application/json), not '{request.ContentType}'.");
        }

        var bytes = await ReadBodyAsync(request, cancellationToken);
        if (bytes is null)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"A plan request is at most {MaxBodyBytes:N0} bytes.");
        }

        JsonElement body;
        try
        {
            body = Parse(bytes);
        }
        catch (JsonException e)
        {
            return new BadRequestObjectResult(Validation(new() { ["body"] = [$"The body is not valid JSON: {e.Message}"] }));
        }
        catch (InvalidOperationException e)
        {
            return new BadRequestObjectResult(Validation(new() { ["body"] = [$"The body holds text that is not valid Unicode: {e.Message}"] }));
        }

        var (input, errors) = validator.Validate(body);
        if (input is null)
        {
            return new BadRequestObjectResult(Validation(errors));
        }

        var id = await client.ScheduleNewOrchestrationInstanceAsync(nameof(SpeculativePlanOrchestrator), input, cancellationToken);
        var status = $"{request.Scheme}://{request.Host}{request.PathBase}/api/plans/{id}";
        return new AcceptedResult(status, new PlanAccepted(id, status, $"{status}/cancel"));
    }

    [Function(nameof(GetPlan))]
    public async Task<IActionResult> GetPlan(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "plans/{id}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
        if (instance is null)
        {
            return NotFound(id);
        }

        return new OkObjectResult(new PlanStatus(
            instance.InstanceId,
            instance.RuntimeStatus.ToString(),
            instance.CreatedAt,
            instance.LastUpdatedAt,
            instance.ReadCustomStatusAs<PlanProgress>(),
            instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? instance.ReadOutputAs<PlanResult>() : null,
            instance.FailureDetails?.ErrorMessage));
    }

    [Function(nameof(CancelPlan))]
    public async Task<IActionResult> CancelPlan(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "plans/{id}/cancel")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: false, cancellationToken);
        if (instance is null)
        {
            return NotFound(id);
        }

        if (instance.IsCompleted)
        {
            return Problem(StatusCodes.Status409Conflict, "Plan already finished", $"Plan '{id}' is {instance.RuntimeStatus}; there is nothing to cancel.");
        }

        // In-flight calls see the run's cancellation at once; the orchestrator then stops the plan.
        await cancellations.CancelRunAsync(id, cancellationToken);
        await client.RaiseEventAsync(id, SpeculativePlanOrchestrator.StopEvent, "cancelled by request", cancellationToken);
        return new AcceptedResult($"{request.Scheme}://{request.Host}{request.PathBase}/api/plans/{id}", new PlanCancelling(id));
    }

    /// <summary>The body, or null once it passes <see cref="MaxBodyBytes"/> (read no further).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <exception cref="JsonException">Not JSON, or a field given twice.</exception>
    /// <exception cref="InvalidOperationException">A string or name is not valid UTF-8, or escapes a lone surrogate.</exception>
    private static JsonElement Parse(byte[] bytes)
    {
        using var document = JsonDocument.Parse(bytes, _json);
        // JsonDocument decodes strings only when read: decode them all now, so that bad text is a bad body, not a
        // crash of whatever reads it later.
        DecodeStrings(document.RootElement);
        return document.RootElement.Clone();
    }

    private static void DecodeStrings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    DecodeStrings(item);
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    DecodeStrings(property.Value);
                }

                break;
        }
    }

    private static ValidationProblemDetails Validation(Dictionary<string, string[]> errors) =>
        new(errors) { Title = "The plan request is invalid.", Status = StatusCodes.Status400BadRequest };

    private static ObjectResult NotFound(string id) =>
        Problem(StatusCodes.Status404NotFound, "Plan not found", $"No plan has the id '{id}'.");

    private static ObjectResult Problem(int status, string title, string detail) =>
        new(new ProblemDetails { Status = status, Title = title, Detail = detail }) { StatusCode = status };
}

/// <summary>The answer to a started plan.</summary>
public sealed record PlanAccepted(string Id, string StatusUri, string CancelUri);

/// <summary>A plan's state: progress while it runs, the plan and its metrics once it completes.</summary>
public sealed record PlanStatus(
    string Id,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    PlanProgress? Progress,
    PlanResult? Result,
    string? Failure);

/// <summary>The answer to a cancel request.</summary>
public sealed record PlanCancelling(string Id, string Status = "Stopping");
