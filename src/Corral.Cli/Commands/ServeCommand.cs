using Corral.Config;
using Corral.Server;

namespace Corral.Cli.Commands;

/// <summary><c>corral serve</c>: runs the server in the foreground until SIGINT/SIGTERM.</summary>
public static class ServeCommand
{
    public static async Task<int> RunAsync(CliContext context, ParsedArgs args, CancellationToken cancellation)
    {
        var config = new EnvConfig(warn: m => context.Err.WriteLine("WARN " + m));
        var server = CorralServer.Create(config);
        await server.RunAsync();
        return 0;
    }
}
