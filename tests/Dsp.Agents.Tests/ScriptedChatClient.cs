using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace Dsp.Agents.Tests;

/// <summary>
/// A user's own <see cref="IChatClient"/> — any provider's — as a profile's role can use it through DI: it streams the
/// answer a script gives for the step asked ("What is step N?"), word by word, stops at once when cancelled, and
/// reports no usage (so the agents count tokens themselves).
/// </summary>
internal sealed partial class ScriptedChatClient(Func<int, string> answer, TimeSpan wordDelay) : IChatClient
{
    private int _cancelled;

    /// <summary>The options of every call, in order.</summary>
    public ConcurrentQueue<ChatOptions?> Calls { get; } = new();

    /// <summary>Calls the caller stopped before the answer was complete.</summary>
    public int Cancelled => Volatile.Read(ref _cancelled);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Calls.Enqueue(options);
        var asked = int.Parse(AskedStep().Match(messages.First(m => m.Role == ChatRole.User).Text).Groups[1].Value, CultureInfo.InvariantCulture);
        foreach (var word in Words().Matches(answer(asked - 1)).Select(m => m.Value))
        {
            try
            {
                await Task.Delay(wordDelay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _cancelled);
                throw;
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, word);
        }

        yield return new ChatResponseUpdate { FinishReason = ChatFinishReason.Stop };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("scripted", null, "scripted-model")
        : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    [GeneratedRegex(@"What is step (\d+)\?")]
    private static partial Regex AskedStep();

    [GeneratedRegex(@"\s*\S+")]
    private static partial Regex Words();
}
