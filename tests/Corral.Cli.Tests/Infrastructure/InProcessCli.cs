using Corral.Cli.Commands;
using Corral.Config;

namespace Corral.Cli.Tests.Infrastructure;

/// <summary>Runs the command line inside the test process with captured output (for help texts and argument errors).</summary>
public static class InProcessCli
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var context = new CliContext
        {
            Out = stdout,
            Err = stderr,
            OpenStdin = () => new MemoryStream(),
            StdinIsTerminal = false,
            StdoutIsTerminal = false,
            StderrIsTerminal = false,
            TerminalWidth = () => 0,
            // Port 9 (discard) on loopback: nothing listens there.
            Env = EnvConfig.FromDictionary(new Dictionary<string, string> { ["OLLAMA_HOST"] = "127.0.0.1:9" }),
        };
        int exit;
        try
        {
            exit = await CommandLine.RunAsync(args, context);
        }
        catch (Exception e) when (Program.UserMessage(e) is { } message)
        {
            stderr.Write($"Error: {message}\n");
            exit = 1;
        }
        return new CliResult(exit, stdout.ToString(), stderr.ToString());
    }
}
