using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Dsp.Functions.Tests;

/// <summary>
/// A logger provider that keeps every entry of every logger, at every level it is given: the formatted message,
/// the exception with its inner exceptions and stack, the structured state and the scopes in force.
/// </summary>
internal sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private static string Describe(object? value) => value is IEnumerable<KeyValuePair<string, object?>> pairs
        ? string.Join("; ", pairs.Select(p => $"{p.Key}={p.Value}"))
        : value?.ToString() ?? string.Empty;

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => capture._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<string>();
            capture._scopes.ForEachScope((scope, list) => list.Add(Describe(scope)), scopes);
            capture._entries.Enqueue(new LogEntry(logLevel, category, formatter(state, exception), exception?.ToString(), Describe(state), scopes));
        }
    }
}

/// <summary>One captured log entry.</summary>
internal sealed record LogEntry(LogLevel Level, string Category, string Message, string? Exception, string State, IReadOnlyList<string> Scopes)
{
    /// <summary>Everything the entry says, as one text.</summary>
    public string Text => string.Join('\n', [Message, Exception ?? string.Empty, State, .. Scopes]);

    public override string ToString() => $"{Level} {Category}: {Message}";
}
