using Corral.Cli.Client;
using Corral.Server;

namespace Corral.Cli.Commands;

/// <summary>
/// <c>corral --version</c>: the server's version, then a warning when the client's differs or no server answers — as
/// Ollama's does. Versions are the Ollama API versions (what <c>/api/version</c> reports).
/// </summary>
public static class VersionCommand
{
    public static async Task<int> RunAsync(CliContext context, CancellationToken cancellation)
    {
        string server = "";
        try
        {
            server = (await context.Client.GetJsonAsync("/api/version", cancellation))?["version"]?.GetValue<string>() ?? "";
        }
        catch (Exception e) when (e is CliException or ApiError)
        {
            context.Out.WriteLine("Warning: could not connect to a running Corral instance");
        }
        if (server.Length > 0) context.Out.WriteLine($"{CommandLine.ProgramName} version is {server}");
        if (server != CorralVersion.Ollama) context.Out.WriteLine($"Warning: client version is {CorralVersion.Ollama}");
        return 0;
    }
}
