using System.Collections.Concurrent;
using System.Globalization;
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
    /// <summary>The table of the first storage layout: transitions only, one partition per run. Still read, never
    /// written.</summary>
    public const string TransitionsTableName = "Transitions";

    /// <summary>Training data lives in one table per UTC day of the runs' completion: this name and the day as
    /// <c>yyyyMMdd</c> (<c>Training20261204</c>).</summary>
    public const string TrainingTableName = "Training";

    /// <summary>What the training reads remember across processes (when the legacy table was drained).</summary>
    public const string TrainingStateTableName = "TrainingState";

    public const string RunsTableName = "Runs";
    public const string PoliciesTableName = "Policies";
    public const string CancellationsTableName = "Cancellations";

    private const string DayFormat = "yyyyMMdd";

    private readonly ConcurrentDictionary<DateOnly, StorageTable> _trainingTables = new();

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
        TrainingState = Table(TrainingStateTableName);
        Runs = Table(RunsTableName);
        Policies = Table(PoliciesTableName);
        Cancellations = Table(CancellationsTableName);
        PolicyBlobs = new StorageContainer(BlobService.GetBlobContainerClient(options.PolicyContainer));
        PlanBlobs = new StorageContainer(BlobService.GetBlobContainerClient(options.PlanContainer));
    }

    public DspStorageOptions Options { get; }

    public TableServiceClient TableService { get; }

    public BlobServiceClient BlobService { get; }

    /// <summary>The transitions runs recorded for training in the first layout (<see cref="TransitionsTableName"/>).</summary>
    public StorageTable Transitions { get; }

    /// <summary>What the training reads remember: see <see cref="TrainingStateTableName"/>.</summary>
    public StorageTable TrainingState { get; }

    /// <summary>The run summaries.</summary>
    public StorageTable Runs { get; }

    /// <summary>The row describing the policy in service.</summary>
    public StorageTable Policies { get; }

    /// <summary>Cancelled calls and runs.</summary>
    public StorageTable Cancellations { get; }

    /// <summary>The policy snapshots and the training lease.</summary>
    public StorageContainer PolicyBlobs { get; }

    /// <summary>The documents of running plans (<see cref="BlobPlanContentStore"/>).</summary>
    public StorageContainer PlanBlobs { get; }

    /// <summary>The training table of runs completed on <paramref name="day"/> (UTC).</summary>
    public StorageTable TrainingTable(DateOnly day) =>
        _trainingTables.GetOrAdd(day, d => Table(TrainingTableName + d.ToString(DayFormat, CultureInfo.InvariantCulture)));

    /// <summary>
    /// The training tables that exist for <paramref name="from"/> (UTC) and later days, oldest first; all of them when
    /// <paramref name="from"/> is null. One listing request; tables are not created.
    /// </summary>
    public async Task<IReadOnlyList<(DateOnly Day, TableClient Table)>> TrainingTablesAsync(DateOnly? from, CancellationToken cancellationToken = default)
    {
        var stem = Options.TablePrefix + TrainingTableName;
        var lowest = stem + (from?.ToString(DayFormat, CultureInfo.InvariantCulture) ?? "0");

        // Day names are 8 digits: ':' is the character after '9', so this range holds exactly them (not TrainingState).
        var filter = TableServiceClient.CreateQueryFilter($"TableName ge {lowest} and TableName lt {stem + ":"}");
        var tables = new List<(DateOnly, TableClient)>();
        await foreach (var item in TableService.QueryAsync(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (item.Name.Length == stem.Length + DayFormat.Length
                && DateOnly.TryParseExact(item.Name.AsSpan(stem.Length), DayFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                tables.Add((day, TableService.GetTableClient(item.Name)));
            }
        }

        return [.. tables.OrderBy(t => t.Item1)];
    }

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
