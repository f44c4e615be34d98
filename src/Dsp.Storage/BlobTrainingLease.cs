using Azure;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging;

namespace Dsp.Storage;

/// <summary>
/// A held training lease: renewed every third of its period while held (so a training longer than 60 s keeps it),
/// released on disposal. A lease found lost when renewing or releasing (it expired and another holder took it) is
/// logged, not thrown: there is nothing left to give back.
/// </summary>
internal sealed class BlobTrainingLease : IAsyncDisposable
{
    private readonly BlobLeaseClient _lease;
    private readonly string _blobName;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewal;
    private int _disposed;

    public BlobTrainingLease(BlobLeaseClient lease, string blobName, TimeSpan period, ILogger logger)
    {
        _lease = lease;
        _blobName = blobName;
        _logger = logger;
        _renewal = RenewAsync(period / 3, _stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewal.ConfigureAwait(false);
        _stop.Dispose();
        try
        {
            await _lease.ReleaseAsync().ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            _logger.TrainingLeaseLost(_blobName, e.ErrorCode);
        }
    }

    private async Task RenewAsync(TimeSpan every, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(every, stop).ConfigureAwait(false);
                await _lease.RenewAsync(cancellationToken: stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Released.
        }
        catch (RequestFailedException e)
        {
            _logger.TrainingLeaseLost(_blobName, e.ErrorCode);
        }
    }
}
