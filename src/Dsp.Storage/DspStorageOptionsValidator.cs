using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Dsp.Storage;

/// <summary>Checks <see cref="DspStorageOptions"/> at startup; a failure names the settings to set.</summary>
public sealed partial class DspStorageOptionsValidator : IValidateOptions<DspStorageOptions>
{
    /// <summary>Every read of new training data looks this far back at most.</summary>
    private static readonly TimeSpan MaximumTrainingLookback = TimeSpan.FromDays(7);

    public ValidateOptionsResult Validate(string? name, DspStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            var missing = new[] { (nameof(options.TableServiceUri), options.TableServiceUri), (nameof(options.BlobServiceUri), options.BlobServiceUri) }
                .Where(s => string.IsNullOrWhiteSpace(s.Item2))
                .Select(s => $"Dsp:Storage:{s.Item1}")
                .ToList();
            if (missing.Count > 0)
            {
                failures.Add(
                    "Storage is not configured: set Dsp:Storage:ConnectionString (environment variable Dsp__Storage__ConnectionString; "
                    + "UseDevelopmentStorage=true for Azurite), or for identity-based access both Dsp:Storage:TableServiceUri and "
                    + "Dsp:Storage:BlobServiceUri (Dsp__Storage__TableServiceUri, Dsp__Storage__BlobServiceUri), with "
                    + $"Dsp:Storage:ClientId for a user-assigned managed identity. Missing: {string.Join(", ", missing)}.");
            }

            CheckEndpoint(failures, nameof(options.TableServiceUri), options.TableServiceUri);
            CheckEndpoint(failures, nameof(options.BlobServiceUri), options.BlobServiceUri);
        }

        if (!TablePrefixPattern().IsMatch(options.TablePrefix ?? ""))
        {
            failures.Add($"Dsp:Storage:TablePrefix '{options.TablePrefix}' must be empty or a letter followed by up to 39 letters and digits.");
        }

        CheckContainer(failures, nameof(options.PolicyContainer), options.PolicyContainer);
        CheckContainer(failures, nameof(options.PlanContainer), options.PlanContainer);

        if (options.MaxRetries is < 0 or > 20)
        {
            failures.Add($"Dsp:Storage:MaxRetries {options.MaxRetries} must be within 0-20.");
        }

        if (options.RetryDelay <= TimeSpan.Zero || options.MaxRetryDelay < options.RetryDelay)
        {
            failures.Add("Dsp:Storage:RetryDelay must be positive and Dsp:Storage:MaxRetryDelay no shorter than it.");
        }

        if (options.IncompleteRunGracePeriod <= TimeSpan.Zero)
        {
            failures.Add("Dsp:Storage:IncompleteRunGracePeriod must be positive.");
        }

        if (options.TrainingLookback <= TimeSpan.Zero || options.TrainingLookback > MaximumTrainingLookback)
        {
            failures.Add($"Dsp:Storage:TrainingLookback {options.TrainingLookback} must be positive and at most {MaximumTrainingLookback.TotalDays:0} days.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> when the options are invalid.</summary>
    public static void ThrowIfInvalid(DspStorageOptions options)
    {
        var result = new DspStorageOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(DspStorageOptions), result.Failures);
        }
    }

    private static void CheckContainer(List<string> failures, string setting, string? value)
    {
        if (!ContainerPattern().IsMatch(value ?? "") || value!.Contains("--", StringComparison.Ordinal))
        {
            failures.Add($"Dsp:Storage:{setting} '{value}' is not a valid blob container name (3-63 lowercase letters, digits and single hyphens).");
        }
    }

    private static void CheckEndpoint(List<string> failures, string setting, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value)
            && !(Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)))
        {
            failures.Add($"Dsp:Storage:{setting} '{value}' is not an absolute http(s) URI.");
        }
    }

    // Table names are 3-63 alphanumeric characters starting with a letter; the longest name appended is 16 long
    // (Training20261204).
    [GeneratedRegex("^([A-Za-z][A-Za-z0-9]{0,39})?$")]
    private static partial Regex TablePrefixPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex ContainerPattern();
}
