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

    public static AgentProfile Profile(
        OpenAIConnectionOptions connection, string draftStrategy = Strategies.Direct, string targetStrategy = Strategies.Direct,
        bool tools = true, int debateRounds = 2, string targetDeployment = "target")
    {
        var options = new LiveProfileOptions
        {
            Draft = new LiveAgentOptions { Deployment = "drafter", Model = "gpt-4.1-mini", Strategy = draftStrategy, DebateRounds = debateRounds },
            Target = new LiveAgentOptions { Deployment = targetDeployment, Model = "gpt-4.1", Strategy = targetStrategy, Seed = LiveAgentOptions.DefaultSeed, DebateRounds = debateRounds },
            AllowedActions = tools ? [.. Tools] : [],
        };
        return LiveAgentProfiles.Create("live", options, connection, new ChatClients(connection).Get, TimeProvider.System);
    }

    public static StepRequest Request(int position, params string[] prefix) =>
        new("run-1", new CallKey(0, AgentRole.Target, position), Task, prefix);

    public static StepRequest DraftRequest(int position, params string[] prefix) =>
        new("run-1", new CallKey(0, AgentRole.Draft, position), Task, prefix);
}
