using System.Text.Json;
using DurableTask.Core.Exceptions;
using Dsp.Core.Runs;
using Dsp.Functions.Planning;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Dsp.Functions.Http;

/// <summary>
/// The plans API: start a plan (<c>POST</c>, or <c>PUT</c> with an id of the client's choosing, idempotent), follow it,
/// cancel it. Long-running operations answer the Azure way: 202 with the status URL in <c>Location</c> and when to
/// look again in <c>Retry-After</c>; the status answers 202 while the plan runs and 200 once it has finished. Every
/// function needs a function key.
/// </summary>
public sealed class PlansApi(PlanRequestValidator validator, ICancellationStore cancellations, IRunStore runs, IPlanContentStore content, TimeProvider time)
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
        var (input, refusal) = await ReadRequestAsync(request, cancellationToken);
        if (input is null)
        {
            return refusal!;
        }

        var id = await client.ScheduleNewOrchestrationInstanceAsync(nameof(SpeculativePlanOrchestrator), input, cancellationToken);
        return Accepted(request, id);
    }

    /// <summary>
    /// Starts the plan <paramref name="id"/> once. The same request again (the same plan input once validated and
    /// defaulted) answers as the first did and starts nothing; a different one answers 409.
    /// </summary>
    [Function(nameof(PutPlan))]
    public async Task<IActionResult> PutPlan(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "plans/{id}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        CancellationToken cancellationToken)
    {
        if (PlanIds.Check(id) is { } idError)
        {
            return new BadRequestObjectResult(Validation(new() { ["id"] = [idError] }));
        }

        var (input, refusal) = await ReadRequestAsync(request, cancellationToken);
        if (input is null)
        {
            return refusal!;
        }

        if (await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken) is { } existing)
        {
            return Existing(request, existing, input);
        }

        if (await runs.GetAsync(id, cancellationToken) is { } stored)
        {
            // The plan's durable history was purged, but its run is stored: the id stays taken.
            return Problem(StatusCodes.Status409Conflict, "Plan id already used", $"Plan '{id}' ended {stored.Outcome} at {stored.CompletedAt:O} and its history was purged; choose another id.");
        }

        try
        {
            // Every status is a duplicate: a finished plan is never replaced (where the backend honours this; the
            // Functions host applies its own overridableExistingInstanceStates, which replaces only finished plans, and
            // the read above already found any plan that finished).
            await client.ScheduleNewOrchestrationInstanceAsync(
                nameof(SpeculativePlanOrchestrator),
                input,
                new StartOrchestrationOptions(id).WithDedupeStatuses([.. StartOrchestrationOptionsExtensions.ValidDedupeStatuses]),
                cancellationToken);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            // A concurrent PUT of the same id started it between the read and the start: answer as for an existing plan.
            var raced = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken)
                ?? throw new InvalidOperationException($"Plan '{id}' was reported to exist but cannot be read.");
            return Existing(request, raced, input);
        }

        return Accepted(request, id);
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

        // A plan that continued as new is still the plan the client started: running between its executions (the Azure
        // Storage provider reports ContinuedAsNew until the next one begins), when it started, and its result whole.
        var progress = instance.ReadCustomStatusAs<PlanProgress>();
        var started = instance.ReadInputAs<PlanInput>()?.Continuation?.StartedAt;
        var status = new PlanStatus(
            instance.InstanceId,
            ClientStatus(instance.RuntimeStatus),
            started is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : instance.CreatedAt,
            instance.LastUpdatedAt,
            progress,
            instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed && instance.ReadOutputAs<PlanOutput>() is { } output
                ? await PlanResults.ReadAsync(content, id, output, cancellationToken)
                : null,
            instance.FailureDetails?.ErrorMessage);
        return instance.IsCompleted
            ? new OkObjectResult(status)
            : new PlanAcceptedResult(StatusUri(request, id), status, RetryAfter.While(progress, time.GetUtcNow()));
    }

    /// <summary>The plan's status as the client sees it: one plan, whichever execution runs it.</summary>
    private static string ClientStatus(OrchestrationRuntimeStatus status) =>
#pragma warning disable CS0618 // Obsolete in the SDK, yet the Azure Storage provider still reports it between executions.
        status == OrchestrationRuntimeStatus.ContinuedAsNew ? nameof(OrchestrationRuntimeStatus.Running) : status.ToString();
#pragma warning restore CS0618

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
        return new PlanAcceptedResult(StatusUri(request, id), new PlanCancelling(id), RetryAfter.MinSeconds);
    }

    /// <summary>The validated plan input, or the answer that refuses the request.</summary>
    private async Task<(PlanInput? Input, IActionResult? Refusal)> ReadRequestAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, TooLarge());
        }

        if (!string.IsNullOrEmpty(request.ContentType) && !request.HasJsonContentType())
        {
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", $"A plan request is JSON (Content-Type: application/json), not '{request.ContentType}'."));
        }

        var bytes = await ReadBodyAsync(request, cancellationToken);
        if (bytes is null)
        {
            return (null, TooLarge());
        }

        JsonElement body;
        try
        {
            body = Parse(bytes);
        }
        catch (JsonException e)
        {
            return (null, new BadRequestObjectResult(Validation(new() { ["body"] = [$"The body is not valid JSON: {e.Message}"] })));
        }
        catch (InvalidOperationException e)
        {
            return (null, new BadRequestObjectResult(Validation(new() { ["body"] = [$"The body holds text that is not valid Unicode: {e.Message}"] })));
        }

        var (input, errors) = validator.Validate(body);
        return input is null ? (null, new BadRequestObjectResult(Validation(errors))) : (input, null);
    }

    /// <summary>The answer to a PUT of an id that already has a plan: as if it had started it, when the request is
    /// the one that started it.</summary>
    private IActionResult Existing(HttpRequest request, OrchestrationMetadata existing, PlanInput input)
    {
        if (existing.ReadInputAs<PlanInput>()?.AsRequested() != input)
        {
            return Problem(StatusCodes.Status409Conflict, "Plan id already used", $"Plan '{existing.InstanceId}' was started with a different request; a PUT of the same id must repeat it exactly.");
        }

        var retryAfter = existing.IsCompleted ? 0 : RetryAfter.While(existing.ReadCustomStatusAs<PlanProgress>(), time.GetUtcNow());
        return Accepted(request, existing.InstanceId, retryAfter);
    }

    /// <summary>202 for a started plan. Nothing is known of its timing yet: its first call is polled for after the
    /// shortest wait.</summary>
    private static PlanAcceptedResult Accepted(HttpRequest request, string id, int retryAfterSeconds = RetryAfter.MinSeconds)
    {
        var status = StatusUri(request, id);
        return new PlanAcceptedResult(status, new PlanAccepted(id, status, $"{status}/cancel"), retryAfterSeconds);
    }

    private static string StatusUri(HttpRequest request, string id) => $"{request.Scheme}://{request.Host}{request.PathBase}/api/plans/{id}";

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

    private static ObjectResult TooLarge() =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"A plan request is at most {MaxBodyBytes:N0} bytes.");

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
