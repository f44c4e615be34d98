namespace Dsp.Agents;

/// <summary>
/// The endpoint every live agent calls (<c>Dsp:OpenAI</c>) and how calls are retried.
/// </summary>
public sealed class OpenAIConnectionOptions
{
    public const string Section = "Dsp:OpenAI";

    /// <summary>The resource endpoint, e.g. <c>https://NAME.openai.azure.com/</c> or an OpenAI-compatible base URL.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary><c>azure</c> (Azure OpenAI: deployments) or <c>openai</c> (a plain OpenAI-compatible endpoint: models).</summary>
    public string Kind { get; set; } = OpenAIKinds.Azure;

    /// <summary>The client id of the user-assigned managed identity to authenticate with (Azure, no API key).</summary>
    public string? ClientId { get; set; }

    /// <summary>An API key (local development, or an OpenAI-compatible provider); when empty Azure uses Entra ID.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Attempts per call, the first included (429, 5xx, network errors and attempt timeouts are retried).</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>The first backoff delay; it doubles each retry (with jitter) unless the service says Retry-After.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two attempts, Retry-After included.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one attempt (the whole streamed answer) may take.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Checks the settings, naming the one at fault.</summary>
    public void Validate()
    {
        if (Endpoint is null || !Endpoint.IsAbsoluteUri)
        {
            throw new InvalidOperationException($"{Section}:Endpoint must be an absolute URL when agent profiles are configured.");
        }

        if (!OpenAIKinds.IsKnown(Kind))
        {
            throw new InvalidOperationException($"{Section}:Kind must be '{OpenAIKinds.Azure}' or '{OpenAIKinds.OpenAI}', not '{Kind}'.");
        }

        if (MaxAttempts < 1)
        {
            throw new InvalidOperationException($"{Section}:MaxAttempts must be at least 1.");
        }

        if (AttemptTimeout <= TimeSpan.Zero || BaseDelay < TimeSpan.Zero || MaxDelay < TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}: AttemptTimeout must be positive and the delays non-negative.");
        }
    }
}

/// <summary>The kinds of endpoint.</summary>
public static class OpenAIKinds
{
    public const string Azure = "azure";
    public const string OpenAI = "openai";

    public static bool IsKnown(string kind) =>
        string.Equals(kind, Azure, StringComparison.OrdinalIgnoreCase) || string.Equals(kind, OpenAI, StringComparison.OrdinalIgnoreCase);

    public static bool IsAzure(string kind) => string.Equals(kind, Azure, StringComparison.OrdinalIgnoreCase);
}
