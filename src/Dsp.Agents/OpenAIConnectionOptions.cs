namespace Dsp.Agents;

/// <summary>
/// The endpoint the live agents call unless a profile names a client of its own (<c>Dsp:OpenAI</c>), and how calls are
/// retried (for every agent).
/// </summary>
public sealed class OpenAIConnectionOptions
{
    public const string Section = "Dsp:OpenAI";

    /// <summary>The resource endpoint, e.g. <c>https://NAME.openai.azure.com/</c>, or an OpenAI-compatible base URL.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary><c>azure</c> (Azure OpenAI: deployments) or <c>openai</c> (a plain OpenAI-compatible endpoint: models).</summary>
    public string Kind { get; set; } = OpenAIKinds.Azure;

    /// <summary>
    /// Azure only: <c>v1</c> (the default) calls <c>{Endpoint}/openai/v1/chat/completions</c>, the API without dated
    /// versions that reasoning models need; <c>2024-10-21</c> or <c>2024-06-01</c> call the dated
    /// <c>/openai/deployments/{deployment}/chat/completions?api-version=…</c> route through Azure.AI.OpenAI, for classic
    /// chat deployments only (Azure refuses reasoning models before <c>2024-12-01-preview</c>).
    /// </summary>
    public string ApiVersion { get; set; } = AzureApiVersions.V1;

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

    /// <summary>Whether Azure calls go to the dated api-version route rather than v1.</summary>
    internal bool UsesDatedAzureRoute => OpenAIKinds.IsAzure(Kind) && !AzureApiVersions.IsV1(ApiVersion);

    /// <summary>Checks the retry settings, which every agent uses, naming the one at fault.</summary>
    public void ValidateRetries()
    {
        if (MaxAttempts < 1)
        {
            throw new InvalidOperationException($"{Section}:MaxAttempts must be at least 1.");
        }

        if (AttemptTimeout <= TimeSpan.Zero || BaseDelay < TimeSpan.Zero || MaxDelay < TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}: AttemptTimeout must be positive and the delays non-negative.");
        }
    }

    /// <summary>Checks the settings, naming the one at fault.</summary>
    public void Validate()
    {
        if (Endpoint is null || !Endpoint.IsAbsoluteUri)
        {
            throw new InvalidOperationException($"{Section}:Endpoint must be an absolute URL when agent profiles call it.");
        }

        if (!OpenAIKinds.IsKnown(Kind))
        {
            throw new InvalidOperationException($"{Section}:Kind must be '{OpenAIKinds.Azure}' or '{OpenAIKinds.OpenAI}', not '{Kind}'.");
        }

        if (OpenAIKinds.IsAzure(Kind) && !AzureApiVersions.IsKnown(ApiVersion))
        {
            throw new InvalidOperationException(
                $"{Section}:ApiVersion must be {string.Join(", ", AzureApiVersions.All.Select(v => $"'{v}'"))}, not '{ApiVersion}'.");
        }

        ValidateRetries();
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

/// <summary>
/// The Azure OpenAI API versions the agents speak. <c>v1</c> is Microsoft's API without monthly versions
/// (https://learn.microsoft.com/azure/foundry/openai/api-version-lifecycle), reached with the OpenAI client; the dated GA
/// versions are those Azure.AI.OpenAI 2.1.0 knows (its <c>AzureOpenAIClientOptions.ServiceVersion</c>).
/// </summary>
public static class AzureApiVersions
{
    public const string V1 = "v1";
    public const string Dated20241021 = "2024-10-21";
    public const string Dated20240601 = "2024-06-01";

    public static IReadOnlyList<string> All { get; } = [V1, Dated20241021, Dated20240601];

    public static bool IsKnown(string version) => All.Contains(version, StringComparer.OrdinalIgnoreCase);

    public static bool IsV1(string version) => string.Equals(version, V1, StringComparison.OrdinalIgnoreCase);
}
