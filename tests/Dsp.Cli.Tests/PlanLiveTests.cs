using Dsp.Agents.Tests;
using Dsp.Core.Traces;

namespace Dsp.Cli.Tests;

public sealed class PlanLiveTests : IDisposable
{
    private const string Task = "Given blurry image, how to return the regular image step by step?";
    private static readonly string[] Plan = ["Image Deblurring", "Image Super Resolution", "TERMINATE"];

    private readonly TempDirectory _directory = new();
    private readonly string _profile = $"cli{Guid.NewGuid():N}"[..12];
    private readonly List<string> _variables = [];

    [Fact]
    public async Task Plan_live_plans_with_the_configured_profile_and_records_the_run_as_a_trace()
    {
        await using var server = await FakeOpenAIServer.StartAsync(request => Reply.Say(Plan[Math.Min(request.AskedStep - 1, Plan.Length - 1)]));
        Set("Dsp__OpenAI__Endpoint", server.Endpoint.ToString());
        Set("Dsp__OpenAI__ApiKey", "test-key");
        Set($"Dsp__Agents__Profiles__{_profile}__Draft__Deployment", "drafter");
        Set($"Dsp__Agents__Profiles__{_profile}__Draft__Model", "gpt-4.1-mini");
        Set($"Dsp__Agents__Profiles__{_profile}__Target__Deployment", "target");
        Set($"Dsp__Agents__Profiles__{_profile}__Target__Model", "gpt-4.1");
        var record = _directory.File("live.jsonl");

        var run = await DspRun.InvokeAsync("plan", "--live", "--agents", _profile, "--task", Task, "--record", record);

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        Assert.Contains($"live agents '{_profile}' (gpt-4.1-mini drafts, gpt-4.1 decides)", run.Output, StringComparison.Ordinal);
        Assert.Contains($"Wrote {record}", run.Output, StringComparison.Ordinal);
        var trace = Assert.Single(TraceReader.ReadFile(record));
        Assert.Equal(Task, trace.Task);
        Assert.Equal(Plan, trace.Steps.Select(s => s.Target.Text));
        Assert.Equal(new TraceModels("gpt-4.1-mini", "gpt-4.1", "direct", "direct"), trace.Models);
        Assert.Contains(server.Requests, r => r.Deployment == "drafter");
    }

    [Fact]
    public async Task Plan_live_without_a_configured_profile_says_what_to_set()
    {
        var run = await DspRun.InvokeAsync("plan", "--live", "--agents", _profile);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains($"no live agent profile '{_profile}' is configured", run.Error, StringComparison.Ordinal);
        Assert.Contains($"Dsp__Agents__Profiles__{_profile}__Target__Deployment", run.Error, StringComparison.Ordinal);
    }

    private void Set(string name, string value)
    {
        _variables.Add(name);
        Environment.SetEnvironmentVariable(name, value);
    }

    public void Dispose()
    {
        foreach (var name in _variables)
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        _directory.Dispose();
    }
}
