using Dsp.Core.Runs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Dsp.Functions.Policy;

/// <summary>The timer that retrains the policy from new transitions (schedule: <c>Dsp:Policy:RetrainSchedule</c>).</summary>
public sealed partial class RetrainPolicyFunction(PolicyRetrainer retrainer, ILogger<RetrainPolicyFunction> logger)
{
    [Function(nameof(RetrainPolicy))]
    public async Task<RetrainOutcome> RetrainPolicy([TimerTrigger("%Dsp:Policy:RetrainSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
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
