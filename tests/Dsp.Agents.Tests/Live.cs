using Dsp.Core.Agents;
using Dsp.Core.Runs;
using Dsp.Core.Planning;

namespace Dsp.Agents.Tests;

/// <summary>Live agents pointed at the local server.</summary>
internal static class Live
{
    public const string Task = "Given blurry image, how to return the regular image step by step?";

    /// <summary>OpenAGI's tools, the allowed actions of these tests.</summary>
    public static readonly string[] Tools =
    [
        "Image Classification", "Colorization", "Object Detection", "Image Deblurring", "Image Denoising",
        "Image Super Resolution", "Image Captioning", "Text to Image Generation", "Visual Question Answering",
        "Sentiment Analysis", "Question Answering", "Text Summarization", "Text Generation", "Machine Translation",
        "Fill Mask",
    ];

    public static OpenAIConnectionOptions Connection(FakeOpenAIServer server, string kind = OpenAIKinds.Azure) => new()
    {
        Endpoint = server.Endpoint,
        Kind = kind,
        ApiKey = "test-key",
        MaxAttempts = 3,
        BaseDelay = TimeSpan.FromMilliseconds(10),
        MaxDelay = TimeSpan.FromSeconds(5),
        AttemptTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>A classic-model profile: a gpt-4.1-mini drafter and a gpt-4.1 target pinned to temperature 0 and a seed.</summary>
    public static AgentProfile Profile(
        OpenAIConnectionOptions connection, string draftStrategy = Strategies.Direct, string targetStrategy = Strategies.Direct,
        bool tools = true, int debateRounds = 2, string targetDeployment = "target", Action<LiveProfileOptions>? configure = null)
    {
        var options = new LiveProfileOptions
        {
            Draft = new LiveAgentOptions { Deployment = "drafter", Model = "gpt-4.1-mini", Strategy = draftStrategy, DebateRounds = debateRounds },
            Target = new LiveAgentOptions
            {
                Deployment = targetDeployment, Model = "gpt-4.1", Strategy = targetStrategy, Temperature = 0, Seed = Seed, DebateRounds = debateRounds,
            },
            AllowedActions = tools ? [.. Tools] : [],
        };
        configure?.Invoke(options);
        return LiveAgentProfiles.Create("live", options, connection, new Lazy<ChatClientFactory>(() => new ChatClientFactory(connection)), TimeProvider.System);
    }

    /// <summary>The seed classic targets are pinned to in these tests.</summary>
    public const long Seed = 20250901;

    public static StepRequest Request(int position, params string[] prefix) =>
        new("run-1", new CallKey(0, AgentRole.Target, position), Task, prefix);

    public static StepRequest DraftRequest(int position, params string[] prefix) =>
        new("run-1", new CallKey(0, AgentRole.Draft, position), Task, prefix);
}
