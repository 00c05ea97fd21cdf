using Corral.Cli.Commands;

namespace Corral.Cli;

/// <summary>The <c>corral</c> executable: <c>serve</c> runs the server, every other verb talks to it over HTTP like Ollama's CLI.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        try
        {
            return await CommandLine.RunAsync(args, Console.Out, Console.Error);
        }
        catch (CliException e)
        {
            Console.Error.WriteLine($"Error: {e.Message}");
            return 1;
        }
    }
}
