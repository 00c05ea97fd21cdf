using Corral.Cli.Client;
using Corral.Cli.Commands;
using Corral.Store;
using Corral.Store.Modelfiles;

namespace Corral.Cli;

/// <summary>The <c>corral</c> executable: <c>serve</c> runs the server, every other verb talks to it over HTTP like Ollama's CLI.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var context = CliContext.FromConsole();
        try
        {
            return await CommandLine.RunAsync(args, context);
        }
        catch (Exception e) when (UserMessage(e) is { } message)
        {
            context.Err.WriteLine($"Error: {message}");
            return 1;
        }
    }

    /// <summary>The text shown for a failure users can cause; null for a bug (which keeps its stack trace).</summary>
    public static string? UserMessage(Exception e) => e switch
    {
        CliException or ApiError or ModelfileException or StoreException => e.Message,
        IOException or UnauthorizedAccessException => e.Message,
        Corral.Config.GoDurationFormatException => e.Message,
        Corral.Server.Security.OpsConfigurationException => e.Message,
        OperationCanceledException => "context canceled",
        _ => null,
    };
}
