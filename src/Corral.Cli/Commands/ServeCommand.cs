using Corral.Server;

namespace Corral.Cli.Commands;

/// <summary><c>corral serve</c>: runs the server in the foreground until SIGINT/SIGTERM.</summary>
public static class ServeCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var host = Environment.GetEnvironmentVariable("OLLAMA_HOST") ?? "";
        var (bindHost, port) = ParseHostQuick(host);
        var app = ServerHost.Build(new ServerSettings { Host = bindHost, Port = port });
        await app.RunAsync();
        return 0;
    }

    private static (string, int) ParseHostQuick(string value)
    {
        value = value.Trim().Trim('"', '\'');
        if (value.Length == 0) return ("127.0.0.1", 11434);
        int colon = value.LastIndexOf(':');
        if (colon > 0 && int.TryParse(value[(colon + 1)..], out int p)) return (value[..colon], p);
        return (value, 11434);
    }
}
