using System.Net;
using System.Text.Json;
using Dsp.Core.Planning;
using Dsp.Core.Policy;
using Dsp.Core.Runs;
using Dsp.Functions.Http;

namespace Dsp.Functions.Tests;

/// <summary>One JSON contract for the answers (and <c>dsp plan --json</c>): enums by name, never NaN.</summary>
public class JsonContractTests
{
    [Fact]
    public void Enums_are_written_by_name_and_a_number_that_is_not_finite_is_refused()
    {
        Assert.Equal("""{"round":1,"role":"Draft","position":2}""", JsonSerializer.Serialize(new CallKey(1, AgentRole.Draft, 2), ApiJson.Options));
        Assert.Throws<ArgumentException>(() => JsonSerializer.Serialize(double.NaN, ApiJson.Options));
        Assert.Throws<ArgumentException>(() => JsonSerializer.Serialize(float.PositiveInfinity, ApiJson.Options));
    }

    [Theory]
    [InlineData(0L, 0.25f)]
    [InlineData(3L, float.NaN)]
    [InlineData(3L, float.PositiveInfinity)]
    public async Task A_training_loss_before_any_training_or_not_finite_is_answered_as_null(long version, float loss)
    {
        var stored = new PublishedPolicy(version, version > 0 ? DateTimeOffset.UtcNow : null, 10, loss, null);
        await using var api = await LoopbackApi.StartAsync(overrides: new PublishedPolicyStore(stored));

        var response = await api.Http.GetAsync("policy");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await ApiContract.CheckAnswerAsync("/policy", HttpMethod.Get, response));
        var policy = await LoopbackApi.ReadJsonAsync(response);
        Assert.Equal(JsonValueKind.Null, policy.GetProperty("trainingLoss").ValueKind);
        Assert.Equal(version, policy.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task A_finite_training_loss_is_answered_as_it_is()
    {
        await using var api = await LoopbackApi.StartAsync(overrides: new PublishedPolicyStore(new PublishedPolicy(2, DateTimeOffset.UtcNow, 10, 0.25f, null)));

        var policy = await LoopbackApi.ReadJsonAsync(await api.Http.GetAsync("policy"));

        Assert.Equal(0.25, policy.GetProperty("trainingLoss").GetDouble());
    }

    /// <summary>A policy store whose published row is given; it holds no snapshot.</summary>
    private sealed class PublishedPolicyStore(PublishedPolicy current) : IPolicyStore
    {
        public Task<PublishedPolicy?> GetCurrentAsync(CancellationToken cancellationToken = default) => Task.FromResult<PublishedPolicy?>(current);

        public Task<PolicySnapshot> LoadAsync(long version, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task PublishAsync(PolicySnapshot snapshot, PublishedPolicy description, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task RecordFailureAsync(string reason, DateTimeOffset at, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task SaveTrainingBufferAsync(long version, byte[] buffer, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<byte[]?> LoadTrainingBufferAsync(long version, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IAsyncDisposable?> TryAcquireTrainingLeaseAsync(TimeSpan duration, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
