using Corral.Server;

namespace Corral.Cli.Commands;

/// <summary><c>corral --version</c>.</summary>
public static class VersionCommand
{
    public static Task<int> RunAsync(TextWriter stdout, TextWriter stderr)
    {
        stdout.WriteLine($"corral version is {CorralVersion.Corral} (Ollama API {CorralVersion.Ollama})");
        return Task.FromResult(0);
    }
}
