using System.Globalization;
using System.Text.Json;

namespace Dsp.Infra.Tests;

/// <summary>
/// The template's default model deployments are ones Azure OpenAI serves: listed in <c>infra/model-lifecycle.json</c>
/// (Microsoft's retirement schedule, kept as data a maintainer updates), generally available on the date the list was
/// checked, still open to new subscriptions then, and not retired by then or by today.
/// </summary>
public class ModelLifecycleTests
{
    private static readonly ArmTemplate _main = ArmTemplate.Main;

    private sealed record Lifecycle(DateOnly Checked, IReadOnlyList<Entry> Models);

    private sealed record Entry(string Model, string Version, string Stage, DateOnly Retires)
    {
        /// <summary>The standard GA lifecycle closes a version to new subscriptions 12 months after its launch (its version date).</summary>
        public DateOnly? NewSubscriptionsUntil => DateOnly.TryParseExact(Version, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var launch)
            ? launch.AddMonths(12)
            : null;
    }

    private static Lifecycle Read()
    {
        using var file = JsonDocument.Parse(Repository.ReadAllText("infra/model-lifecycle.json"));
        var root = file.RootElement;
        return new Lifecycle(
            DateOnly.Parse(root.GetProperty("checked").GetString()!, CultureInfo.InvariantCulture),
            [.. root.GetProperty("models").EnumerateArray().Select(m => new Entry(
                m.GetProperty("model").GetString()!,
                m.GetProperty("version").GetString()!,
                m.GetProperty("lifecycle").GetString()!,
                DateOnly.Parse(m.GetProperty("retires").GetString()!, CultureInfo.InvariantCulture)))]);
    }

    /// <summary>The model and version each OpenAI deployment of the compiled template deploys by default.</summary>
    public static TheoryData<string> Deployments => new(_main.AllResources("Microsoft.CognitiveServices/accounts/deployments")
        .Select(d => d.Template.Follow(d.Resource.GetProperty("properties").GetProperty("model").GetProperty("name")).Last(s => s.RootParameter is not null).RootParameter!));

    private static (string Model, string Version) DefaultOf(string modelParameter)
    {
        var deployment = Assert.Single(_main.AllResources("Microsoft.CognitiveServices/accounts/deployments"), d =>
            d.Template.Follow(d.Resource.GetProperty("properties").GetProperty("model").GetProperty("name")).Any(s => s.RootParameter == modelParameter));
        var model = deployment.Resource.GetProperty("properties").GetProperty("model");
        return (deployment.Template.Follow(model.GetProperty("name"))[^1].Value.GetString()!,
            deployment.Template.Follow(model.GetProperty("version"))[^1].Value.GetString()!);
    }

    [Theory]
    [MemberData(nameof(Deployments))]
    public void Each_default_deployment_is_a_listed_GA_model_that_is_not_retired(string modelParameter)
    {
        var lifecycle = Read();
        var (model, version) = DefaultOf(modelParameter);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        var entry = Assert.Single(lifecycle.Models, m => m.Model == model && m.Version == version);

        Assert.True(entry.Stage == "GA", $"{model} {version} is {entry.Stage} on {lifecycle.Checked}: pick a current GA model for {modelParameter}.");
        Assert.True(entry.Retires > lifecycle.Checked, $"{model} {version} retires {entry.Retires}, before the list was checked.");
        Assert.True(entry.Retires > today, $"{model} {version} retired on {entry.Retires}: deployments of it answer 410. Move {modelParameter} to a current model and update infra/model-lifecycle.json.");
        Assert.True(entry.NewSubscriptionsUntil > lifecycle.Checked, $"{model} {version} is closed to new subscriptions from {entry.NewSubscriptionsUntil}.");
    }

    [Fact]
    public void The_template_deploys_the_drafter_and_the_target_from_one_family_with_the_drafter_the_cheaper_member()
    {
        var (draft, _) = DefaultOf("draftModelName");
        var (target, _) = DefaultOf("targetModelName");

        Assert.StartsWith(target + "-", draft, StringComparison.Ordinal);
        Assert.Equal(2, Deployments.Count);
    }

    [Fact]
    public void The_list_is_consistent_a_version_whose_date_has_passed_is_retired_and_no_version_is_listed_twice()
    {
        var lifecycle = Read();

        Assert.All(lifecycle.Models.Where(m => m.Retires <= lifecycle.Checked), m => Assert.Equal("Retired", m.Stage));
        Assert.All(lifecycle.Models, m => Assert.Contains(m.Stage, new[] { "Preview", "GA", "Legacy", "Deprecated", "Retired" }));
        Assert.Equal(lifecycle.Models.Count, lifecycle.Models.Select(m => (m.Model, m.Version)).Distinct().Count());
        // The models of the previous defaults are on it, and no longer GA.
        Assert.Contains(lifecycle.Models, m => m is { Model: "gpt-4.1", Version: "2025-04-14", Stage: not "GA" });
        Assert.Contains(lifecycle.Models, m => m is { Model: "gpt-4.1-mini", Version: "2025-04-14", Stage: not "GA" });
    }
}
