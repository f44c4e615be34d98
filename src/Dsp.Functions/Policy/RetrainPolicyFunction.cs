using Dsp.Core.Runs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Dsp.Functions.Policy;

/// <summary>
/// The timer that retrains the policy from new transitions, on the NCRONTAB schedule of the app setting
/// <see cref="ScheduleSetting"/>. The Functions host (and, on Flex Consumption, the platform that wakes an idle app)
/// resolves the <c>%…%</c> name from its own configuration, never from the worker's: the setting is required, has no
/// worker-side default, and is a flat name — a <c>Section:Key</c> name is reported not to fire on scale-to-zero Linux
/// plans while the app is idle (https://github.com/Azure/azure-functions-host/issues/8649).
/// </summary>
public sealed partial class RetrainPolicyFunction(PolicyRetrainer retrainer, ILogger<RetrainPolicyFunction> logger)
{
    /// <summary>The app setting that holds the retraining schedule.</summary>
    public const string ScheduleSetting = "DSP_RETRAIN_SCHEDULE";

    [Function(nameof(RetrainPolicy))]
    public async Task<RetrainOutcome> RetrainPolicy([TimerTrigger("%" + ScheduleSetting + "%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var outcome = await retrainer.RunAsync(cancellationToken);
        if (outcome.Result == RetrainResult.Failed)
        {
            LogFailed(outcome.Version, outcome.Error);
        }
        else
        {
            if (outcome.Error is not null)
            {
                LogWarmStartFailed(outcome.Version, outcome.Error);
            }

            LogOutcome(outcome.Result, outcome.Version, outcome.Transitions);
        }

        return outcome;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining: {Result}; policy v{Version} in service ({Transitions} transitions trained on)")]
    private partial void LogOutcome(RetrainResult result, long version, int transitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retraining published v{Version} without the snapshot in service: {Error}")]
    private partial void LogWarmStartFailed(long version, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retraining failed; policy v{Version} stays in service: {Error}")]
    private partial void LogFailed(long version, string? error);
}
