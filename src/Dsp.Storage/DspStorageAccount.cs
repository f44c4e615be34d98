using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;

namespace Dsp.Storage;

/// <summary>
/// The storage account as the app uses it: the service clients built from <see cref="DspStorageOptions"/> (a
/// connection string, or the service endpoints with <c>DefaultAzureCredential</c>), with the SDK's exponential
/// retry policy, and the app's tables and policy container. One per process; thread-safe.
/// </summary>
public sealed class DspStorageAccount
{
    public const string TransitionsTableName = "Transitions";
    public const string RunsTableName = "Runs";
    public const string PoliciesTableName = "Policies";
    public const string CancellationsTableName = "Cancellations";

    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are incomplete or invalid.</exception>
    public DspStorageAccount(DspStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        DspStorageOptionsValidator.ThrowIfInvalid(options);
        Options = options;
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            TableService = new TableServiceClient(options.ConnectionString, WithRetries(new TableClientOptions(), options));
            BlobService = new BlobServiceClient(options.ConnectionString, WithRetries(new BlobClientOptions(), options));
        }
        else
        {
            var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
            {
                ManagedIdentityClientId = string.IsNullOrWhiteSpace(options.ClientId) ? null : options.ClientId,
            });
            TableService = new TableServiceClient(new Uri(options.TableServiceUri!), credential, WithRetries(new TableClientOptions(), options));
            BlobService = new BlobServiceClient(new Uri(options.BlobServiceUri!), credential, WithRetries(new BlobClientOptions(), options));
        }

        Transitions = Table(TransitionsTableName);
        Runs = Table(RunsTableName);
        Policies = Table(PoliciesTableName);
        Cancellations = Table(CancellationsTableName);
        PolicyBlobs = new StorageContainer(BlobService.GetBlobContainerClient(options.PolicyContainer));
    }

    public DspStorageOptions Options { get; }

    public TableServiceClient TableService { get; }

    public BlobServiceClient BlobService { get; }

    /// <summary>The transitions runs recorded for training.</summary>
    public StorageTable Transitions { get; }

    /// <summary>The run summaries.</summary>
    public StorageTable Runs { get; }

    /// <summary>The row describing the policy in service.</summary>
    public StorageTable Policies { get; }

    /// <summary>Cancelled calls and runs.</summary>
    public StorageTable Cancellations { get; }

    /// <summary>The policy snapshots and the training lease.</summary>
    public StorageContainer PolicyBlobs { get; }

    private StorageTable Table(string name) => new(TableService.GetTableClient(Options.TablePrefix + name));

    private static T WithRetries<T>(T clientOptions, DspStorageOptions options)
        where T : ClientOptions
    {
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        clientOptions.Retry.Delay = options.RetryDelay;
        clientOptions.Retry.MaxDelay = options.MaxRetryDelay;
        return clientOptions;
    }
}
