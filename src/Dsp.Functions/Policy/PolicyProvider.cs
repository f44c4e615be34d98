using Dsp.Core.Acceptance;
using Dsp.Core.Agents;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Dsp.Functions.Planning;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dsp.Functions.Policy;

/// <summary>
/// The policy a plan's drafts decide with. Caches the published snapshot and looks for a newer version every
/// <see cref="PolicyOptions.RefreshInterval"/>, so a retrained policy is picked up without a restart. Until a
/// snapshot with an acceptance model is published, the <c>adaptive</c> policy serves the prior
/// (<see cref="PolicyOptions.Prior"/>). A snapshot that cannot be loaded leaves the previous one in service; the
/// failure is logged and recorded on the policy row. While the store cannot be reached, the snapshot in service stays
/// in service (plans keep running) and the check is made again after the next refresh interval.
/// </summary>
public sealed partial class PolicyProvider(
    IPolicyStore store, PriorPolicy prior, IOptions<PolicyOptions> options, TimeProvider time, ILogger<PolicyProvider> logger)
    : IDisposable
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly HashedTextFeaturizer _featurizer = new();
    private PolicySnapshot? _snapshot;
    private long _checkedVersion;
    private DateTimeOffset _checkedAt = DateTimeOffset.MinValue;

    /// <summary>The acceptance model served before a retraining publishes one.</summary>
    public PriorPolicy Prior => prior;

    /// <summary>The policy a draft of <paramref name="profile"/> decides with, and the version deciding (0: the prior,
    /// null: untrained).</summary>
    public async Task<(ISpeculationPolicy Policy, long? Version)> PolicyForAsync(DraftPolicyInput input, AgentProfile profile, CancellationToken cancellationToken)
    {
        var snapshot = await CurrentAsync(cancellationToken);
        if (input.Policy == PolicyNames.Dsp)
        {
            var selection = options.Value.Selection with { Tradeoff = input.Tradeoff, Offset = input.Offset };
            return (new DepthChainPolicy(new DspDepthPolicy(snapshot, _featurizer, selection)), snapshot?.Version);
        }

        var (acceptance, version) = snapshot?.Acceptance is { } trained ? (trained, snapshot.Version) : (prior.Model, prior.Model is null ? (long?)null : 0);
        var settings = new AdaptiveSettings
        {
            ValueOfTime = input.ValueOfTime,
            DraftPrice = profile.DraftPrice,
            TargetPrice = profile.TargetPrice,
            ColdStartDepth = options.Value.ColdStartDepth,
        };
        return (new AdaptivePolicy(acceptance, settings), version);
    }

    /// <summary>The snapshot in service (null before the first training).</summary>
    public async Task<PolicySnapshot?> CurrentAsync(CancellationToken cancellationToken)
    {
        if (time.GetUtcNow() - _checkedAt < options.Value.RefreshInterval)
        {
            return _snapshot;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (now - _checkedAt >= options.Value.RefreshInterval)
            {
                await RefreshAsync(now, cancellationToken);
            }

            return _snapshot;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private async Task RefreshAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var current = await store.GetCurrentAsync(cancellationToken);
            if (current is { Version: > 0 } && current.Version != _checkedVersion)
            {
                await LoadAsync(current.Version, now, cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The store is unreachable (its client has already retried): no reason to stop planning.
            LogStoreUnreachable(_snapshot?.Version ?? 0, e.Message);
        }

        _checkedAt = now;
    }

    private async Task LoadAsync(long version, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string? problem;
        try
        {
            var loaded = await store.LoadAsync(version, cancellationToken);
            problem = loaded.FeaturizerSignature == _featurizer.Signature
                ? null
                : $"it was trained on features '{loaded.FeaturizerSignature}', not '{_featurizer.Signature}'";
            if (problem is null)
            {
                _snapshot = loaded;
                LogLoaded(version);
            }
        }
        catch (PolicySnapshotFormatException e)
        {
            problem = e.Message;
        }

        // Only a verdict on the snapshot marks the version checked: a storage error propagates and the version is
        // read again at the next refresh. A bad version is reported once, not on every refresh.
        _checkedVersion = version;
        if (problem is not null)
        {
            var error = $"Snapshot v{version} could not be loaded ({problem}); v{_snapshot?.Version ?? 0} stays in service.";
            LogLoadFailed(error);
            await store.RecordFailureAsync(error, now, cancellationToken);
        }
    }

    public void Dispose() => _refresh.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Policy snapshot v{Version} is in service")]
    private partial void LogLoaded(long version);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Error}")]
    private partial void LogLoadFailed(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The policy store could not be reached ({Reason}); v{Version} stays in service")]
    private partial void LogStoreUnreachable(long version, string reason);

}
