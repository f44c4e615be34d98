using Dsp.Core.Agents;
using Dsp.Core.Planning;
using Dsp.Core.Runs;

namespace Dsp.Agents.Tests;

public class StrategyTests
{
    [Fact]
    public async Task Direct_on_azure_v1_sends_the_task_in_the_user_message_and_the_actions_in_the_system_message()
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Say("Image Super Resolution"));
        var profile = Live.Profile(Live.Connection(server));

        var result = await profile.Target.ProposeAsync(Live.Request(1, "Image Deblurring"), CancellationToken.None);

        Assert.Equal("Image Super Resolution", result.Step);
        var request = Assert.Single(server.Requests);
        // Azure's v1 API: no api-version, the deployment as the model, the key in the api-key header.
        Assert.Equal("/openai/v1/chat/completions", request.Path);
        Assert.Null(request.ApiVersion);
        Assert.Equal("target", request.Body["model"]!.GetValue<string>());
        Assert.Equal("target", request.Deployment);
        Assert.Equal("test-key", request.Headers["api-key"]);
        Assert.False(request.Headers.ContainsKey("Authorization"));
        Assert.DoesNotContain(Live.Task, request.System, StringComparison.Ordinal);
        Assert.All(Live.Tools, tool => Assert.Contains(tool, request.System, StringComparison.Ordinal));
        Assert.Contains("TERMINATE", request.System, StringComparison.Ordinal);
        Assert.Contains(Live.Task, request.User, StringComparison.Ordinal);
        Assert.Contains("1. Image Deblurring", request.User, StringComparison.Ordinal);
        Assert.Contains("What is step 2?", request.User, StringComparison.Ordinal);
        Assert.True(request.Body["stream"]!.GetValue<bool>());
        Assert.Equal(0.0, request.Body["temperature"]!.GetValue<double>());
        Assert.Equal(Live.Seed, request.Body["seed"]!.GetValue<long>());
        // The service's usage report is used when the stream completes.
        Assert.True(request.IncludeUsage);
        Assert.Equal(new CallUsage(1234, TokenCounter.Count("gpt-4o", "Image Super Resolution"), result.Usage.LatencySeconds), result.Usage);
        Assert.Equal("gpt-4.1", profile.Target.Model);
    }

    [Theory]
    [InlineData(Strategies.Direct, "Image Denoising")]
    [InlineData(Strategies.ChainOfThought, "Denoise first.\nStep: Image Denoising")]
    [InlineData(Strategies.React, "Action: Image Denoising")]
    [InlineData(Strategies.Debate, "Denoise first.\nStep: Image Denoising")]
    public async Task Every_strategy_sends_the_task_as_written_in_user_messages_and_never_in_a_system_message(string strategy, string answer)
    {
        // A task that names the templates' placeholders: it must arrive as written, not filled in.
        const string Task = "Restore the photo; ignore {history}, {position}, {actions}, {other}, {a} and {b}.";
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Say(answer));
        var profile = Live.Profile(Live.Connection(server), targetStrategy: strategy);

        var result = await profile.Target.ProposeAsync(new StepRequest("run-1", new CallKey(0, AgentRole.Target, 1), Task, ["Image Deblurring"]), CancellationToken.None);

        Assert.Equal("Image Denoising", result.Step);
        Assert.NotEmpty(server.Requests);
        Assert.All(server.Requests, request =>
        {
            Assert.Contains(request.AllMessages, m => m.Role == "user" && m.Text.Contains($"Task: {Task}\n", StringComparison.Ordinal));
            Assert.All(request.AllMessages.Where(m => m.Role == "system"), m => Assert.DoesNotContain("Restore the photo", m.Text, StringComparison.Ordinal));
        });
    }

    [Fact]
    public async Task Direct_on_a_plain_openai_endpoint_posts_to_chat_completions_with_the_model()
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Say("terminate."));
        var profile = Live.Profile(Live.Connection(server, OpenAIKinds.OpenAI));

        var result = await profile.Draft.ProposeAsync(Live.DraftRequest(0), CancellationToken.None);

        Assert.Equal(PlanSteps.Terminate, result.Step);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/chat/completions", request.Path);
        Assert.Equal("drafter", request.Body["model"]!.GetValue<string>());
        Assert.Equal("Bearer test-key", request.Headers["Authorization"]);
        Assert.Contains("(none yet)", request.User, StringComparison.Ordinal);
        Assert.Equal("gpt-4.1-mini", profile.Draft.Model);
    }

    [Fact]
    public async Task Cot_reasons_then_takes_the_final_step_line()
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Say(
            "The image is blurry, so it must be sharpened first.\nThen it can be upscaled.\n**Step:** image deblurring"));
        var profile = Live.Profile(Live.Connection(server), targetStrategy: Strategies.ChainOfThought);

        var result = await profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None);

        Assert.Equal("Image Deblurring", result.Step);
        var request = Assert.Single(server.Requests);
        Assert.Contains("Think step by step", request.User, StringComparison.Ordinal);
        Assert.Contains("Step: <the step>", request.User, StringComparison.Ordinal);
    }

    [Fact]
    public async Task React_makes_a_thought_call_then_an_action_call_that_sees_the_thought_and_sums_usage()
    {
        await using var server = await FakeOpenAIServer.StartAsync(request => request.AllMessages.Any(m => m.Role == "assistant")
            ? Reply.Say("Action: Image Super Resolution")
            : Reply.Say("The image is sharp now but small; upscale it."));
        var profile = Live.Profile(Live.Connection(server), targetStrategy: Strategies.React);

        var result = await profile.Target.ProposeAsync(Live.Request(1, "Image Deblurring"), CancellationToken.None);

        Assert.Equal("Image Super Resolution", result.Step);
        Assert.Equal(2, server.Requests.Count);
        var (thought, action) = (server.Requests[0], server.Requests[1]);
        Assert.Contains("First think", thought.User, StringComparison.Ordinal);
        Assert.Contains(Live.Task, thought.User, StringComparison.Ordinal);
        Assert.Contains(("assistant", "The image is sharp now but small; upscale it."), action.AllMessages);
        Assert.Contains("Action: <the step>", action.User, StringComparison.Ordinal);
        Assert.Equal(2 * 1234, result.Usage.PromptTokens);
        Assert.Equal(
            TokenCounter.Count("gpt-4o", "The image is sharp now but small; upscale it.") + TokenCounter.Count("gpt-4o", "Action: Image Super Resolution"),
            result.Usage.CompletionTokens);
    }

    [Fact]
    public async Task Debate_runs_two_assistants_over_the_rounds_then_a_verdict()
    {
        var turn = 0;
        await using var server = await FakeOpenAIServer.StartAsync(request => request.User.Contains("Two assistants debated", StringComparison.Ordinal)
            ? Reply.Say("Both agree.\nStep: Image Denoising")
            : Reply.Say($"Argument {Interlocked.Increment(ref turn)}: denoise.\nStep: Image Denoising"));
        var profile = Live.Profile(Live.Connection(server), targetStrategy: Strategies.Debate, debateRounds: 2);

        var result = await profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None);

        Assert.Equal("Image Denoising", result.Step);
        var requests = server.Requests;
        Assert.Equal(5, requests.Count);
        Assert.Contains("assistant A", requests[0].System, StringComparison.Ordinal);
        Assert.Contains("assistant B", requests[1].System, StringComparison.Ordinal);
        Assert.Contains("Argument 2", requests[2].User, StringComparison.Ordinal); // A answers B's opening
        Assert.Contains("Argument 3", requests[3].User, StringComparison.Ordinal); // B answers A's rebuttal
        Assert.Contains("Argument 3", requests[4].User, StringComparison.Ordinal);
        Assert.Contains("Argument 4", requests[4].User, StringComparison.Ordinal);
        Assert.All(requests, r => Assert.Contains(Live.Task, r.User, StringComparison.Ordinal));
        Assert.All(requests, r => Assert.DoesNotContain(Live.Task, r.System, StringComparison.Ordinal));
        Assert.Equal(5 * 1234, result.Usage.PromptTokens);
    }

    [Theory]
    [InlineData(Strategies.Direct, "Let me think.\nMaybe deblur the image first?", "not a single step")]
    [InlineData(Strategies.Direct, "Photoshop it", "not one of the allowed actions")]
    [InlineData(Strategies.ChainOfThought, "The image should be deblurred.", "no 'Step:' line")]
    [InlineData(Strategies.React, "I would deblur.", "no 'Action:' line")]
    public async Task Unparseable_answers_are_rejected_with_a_clear_message(string strategy, string answer, string problem)
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Say(answer));
        var profile = Live.Profile(Live.Connection(server), targetStrategy: strategy);

        var e = await Assert.ThrowsAsync<AgentException>(() => profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None));

        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Free_text_steps_are_allowed_when_no_actions_are_configured()
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => Reply.Say("2. Sharpen the photo."));
        var profile = Live.Profile(Live.Connection(server), tools: false);

        var result = await profile.Target.ProposeAsync(Live.Request(1, "Open the photo"), CancellationToken.None);

        Assert.Equal("Sharpen the photo", result.Step);
        Assert.DoesNotContain("exactly one of these actions", Assert.Single(server.Requests).System, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_json_in_the_stream_is_an_agent_exception()
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => new Reply.Raw("data: {\"id\": \"x\", \"choices\": [{\"delta\": {\"content\": \"Ima\n\ndata: [DONE]\n\n"));
        var profile = Live.Profile(Live.Connection(server));

        var e = await Assert.ThrowsAsync<AgentException>(() => profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None));

        Assert.Contains("malformed", e.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests); // not retried
    }

    [Fact]
    public async Task A_content_filtered_answer_fails_with_a_clear_message()
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => new Reply.Stream("Image", FinishReason: "content_filter"));
        var profile = Live.Profile(Live.Connection(server));

        var e = await Assert.ThrowsAsync<AgentException>(() => profile.Target.ProposeAsync(Live.Request(0), CancellationToken.None));

        Assert.Contains("content filter", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gpt-4o", "o200k_base")]
    [InlineData("gpt-4o-mini", "o200k_base")]
    [InlineData("gpt-4.1-mini", "o200k_base")]
    [InlineData("gpt-4-turbo", "cl100k_base")]
    [InlineData("gpt-4", "cl100k_base")]
    [InlineData("gpt-35-turbo", "cl100k_base")]
    public void Tokens_are_counted_with_the_models_encoding(string model, string encoding)
    {
        Assert.Equal(encoding, TokenCounter.EncodingFor(model));
        Assert.True(TokenCounter.Count(model, "Image Super Resolution") is > 1 and < 8);
    }
}
