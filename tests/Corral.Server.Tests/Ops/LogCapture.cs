using System.Collections.Concurrent;
using Corral.Config;
using Corral.Testing;
using Microsoft.Extensions.Logging;

namespace Corral.Server.Tests.Ops;

/// <summary>Every log record a server writes, for tests that check what operators are told.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    public readonly ConcurrentQueue<(string Category, LogLevel Level, string Message)> Records = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Records.Enqueue((category, logLevel, formatter(state, exception)));
    }
}

/// <summary>A real server on 127.0.0.1 whose logs are captured (TestServer discards them).</summary>
internal sealed class LoggedServer : IAsyncDisposable
{
    private readonly TempDir _home;

    private LoggedServer(TempDir home, CorralServer server, Uri url, LogCapture logs)
    {
        _home = home;
        Server = server;
        Url = url;
        Logs = logs;
        Http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(2) };
    }

    public CorralServer Server { get; }
    public Uri Url { get; }
    public LogCapture Logs { get; }
    public HttpClient Http { get; }

    public static async Task<LoggedServer> StartAsync(Dictionary<string, string> env)
    {
        var home = new TempDir("corral-ops-server-");
        env["OLLAMA_HOST"] = "127.0.0.1:0";
        env["OLLAMA_MODELS"] = Path.Combine(home.Path, "models");
        var logs = new LogCapture();
        var server = CorralServer.Create(EnvConfig.FromDictionary(env, homeDirectory: home.Path), b => b.AddProvider(logs));
        var url = await server.StartAsync();
        return new LoggedServer(home, server, url, logs);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        _home.Dispose();
    }
}
