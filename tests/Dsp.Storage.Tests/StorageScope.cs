using Microsoft.Extensions.Logging.Abstractions;

namespace Dsp.Storage.Tests;

/// <summary>
/// Tables and a container of their own for one test (a unique table prefix and container name), deleted afterwards,
/// so tests never see each other's rows.
/// </summary>
public sealed class StorageScope : IAsyncDisposable
{
    public StorageScope(TimeProvider? clock = null, Action<DspStorageOptions>? configure = null)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        Options = new DspStorageOptions
        {
            ConnectionString = AzuriteFixture.ConnectionString,
            TablePrefix = $"t{id}",
            PolicyContainer = $"policies-{id}",
            PlanContainer = $"plans-{id}",
            MaxRetries = 2,
            RetryDelay = TimeSpan.FromMilliseconds(100),
            MaxRetryDelay = TimeSpan.FromSeconds(1),
        };
        configure?.Invoke(Options);
        Account = new DspStorageAccount(Options);
        Clock = clock ?? TimeProvider.System;
    }

    public DspStorageOptions Options { get; }

    public DspStorageAccount Account { get; }

    public TimeProvider Clock { get; }

    public TableTrainingStore Training() => new(Account, Clock, NullLogger<TableTrainingStore>.Instance);

    public TableRunStore Runs() => new(Account, NullLogger<TableRunStore>.Instance);

    public BlobPolicyStore Policies() => new(Account, NullLogger<BlobPolicyStore>.Instance);

    public TableCancellationStore Cancellations() => new(Account);

    public BlobPlanContentStore PlanContent() => new(Account);

    /// <summary>Another process's view of the same tables and container (its own clients, its own creation flags).</summary>
    public DspStorageAccount SecondAccount() => new(Options);

    /// <summary>The names of this scope's tables that exist.</summary>
    public async Task<List<string>> TableNamesAsync()
    {
        var names = new List<string>();
        var filter = Azure.Data.Tables.TableServiceClient.CreateQueryFilter($"TableName ge {Options.TablePrefix} and TableName lt {Options.TablePrefix + "~"}");
        await foreach (var table in Account.TableService.QueryAsync(filter))
        {
            names.Add(table.Name);
        }

        return names;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var name in await TableNamesAsync())
        {
            await Account.TableService.DeleteTableAsync(name);
        }

        await Account.BlobService.GetBlobContainerClient(Options.PolicyContainer).DeleteIfExistsAsync();
        await Account.BlobService.GetBlobContainerClient(Options.PlanContainer).DeleteIfExistsAsync();
    }
}

/// <summary>A test class on Azurite: each test gets a fresh <see cref="StorageScope"/>.</summary>
[Collection(UsesAzurite.Name)]
public abstract class StorageTest : IAsyncLifetime
{
    protected StorageScope Scope { get; private set; } = null!;

    protected virtual TimeProvider? Clock => null;

    protected virtual Action<DspStorageOptions>? Configure => null;

    public Task InitializeAsync()
    {
        Scope = new StorageScope(Clock, Configure);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Scope.DisposeAsync();
}
