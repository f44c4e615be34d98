using Dsp.Core.Acceptance;
using Dsp.Core.Policy;
using Microsoft.Extensions.Logging;

namespace Dsp.Functions.Policy;

/// <summary>The acceptance model the adaptive policy serves until a retraining publishes one, and where it came from.</summary>
/// <param name="model">The prior (null: none, the policy starts cold).</param>
/// <param name="source">Where it came from, as <c>GET /api/policy</c> and <c>dsp plan</c> say it.</param>
public sealed partial class PriorPolicy(AcceptanceModel? model, string source)
{
    /// <summary>The prior (null: none, the policy starts cold).</summary>
    public AcceptanceModel? Model => model;

    /// <summary>Where it came from.</summary>
    public string Source => source;

    /// <summary>Reads the prior at <paramref name="path"/> (<see cref="PolicyOptions.Prior"/>); one that cannot be read is
    /// logged and left out (the adaptive policy then starts cold), never a reason not to plan.</summary>
    public static PriorPolicy Load(string path, ILogger logger)
    {
        if (string.IsNullOrEmpty(path))
        {
            return new PriorPolicy(null, "none configured");
        }

        try
        {
            return new PriorPolicy(AcceptanceModelSerializer.Deserialize(File.ReadAllBytes(path)), Path.GetFileName(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PolicySnapshotFormatException)
        {
            LogUnreadable(logger, path, e.Message);
            return new PriorPolicy(null, $"'{path}' could not be read: {e.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The prior policy '{Path}' could not be read ({Reason}); the adaptive policy starts cold")]
    private static partial void LogUnreadable(ILogger logger, string path, string reason);
}
