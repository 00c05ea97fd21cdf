using Corral.Config;
using Corral.Server;

namespace Corral.Cli.Commands;

/// <summary><c>corral serve</c>: runs the server in the foreground until SIGINT/SIGTERM.</summary>
public static class ServeCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout)
    {
        if (args.Any(a => a is "-h" or "--help"))
        {
            var env = new EnvConfig();
            stdout.Write("Start Corral\n\nUsage:\n  corral serve [flags]\n\nAliases:\n  serve, start\n\nFlags:\n  -h, --help   help for serve\n\n");
            stdout.Write(env.FormatHelpBlock(EnvConfig.ServeHelpVariables));
            return 0;
        }
        var config = new EnvConfig(warn: m => Console.Error.WriteLine("WARN " + m));
        var server = CorralServer.Create(config);
        await server.RunAsync();
        return 0;
    }
}
