using System.Text;
using Corral.Cli.Client;
using Corral.Config;

namespace Corral.Cli;

/// <summary>
/// Everything a command touches outside itself: the standard streams, whether each is a terminal, the terminal
/// width, the <c>OLLAMA_*</c> environment and the API client. <see cref="Program"/> builds the real one.
/// </summary>
public sealed class CliContext
{
    public required TextWriter Out { get; init; }
    public required TextWriter Err { get; init; }

    /// <summary>Standard input as bytes (read whole when piped).</summary>
    public required Func<Stream> OpenStdin { get; init; }

    public required bool StdinIsTerminal { get; init; }
    public required bool StdoutIsTerminal { get; init; }
    public required bool StderrIsTerminal { get; init; }

    /// <summary>Current terminal width of standard output, or 0 when unknown.</summary>
    public required Func<int> TerminalWidth { get; init; }

    public required EnvConfig Env { get; init; }

    private ApiClient? _client;

    /// <summary>The client for <c>OLLAMA_HOST</c>, created on first use.</summary>
    public ApiClient Client => _client ??= new ApiClient(new Uri(Env.Host.ToString()), ApiClient.ApiKeyFrom(Env));

    /// <summary>The process's real console.</summary>
    public static CliContext FromConsole()
    {
        var utf8 = new UTF8Encoding(false);
        return new CliContext
        {
            Out = TextWriter.Synchronized(new StreamWriter(Console.OpenStandardOutput(), utf8) { AutoFlush = true }),
            Err = TextWriter.Synchronized(new StreamWriter(Console.OpenStandardError(), utf8) { AutoFlush = true }),
            OpenStdin = Console.OpenStandardInput,
            StdinIsTerminal = !Console.IsInputRedirected,
            StdoutIsTerminal = !Console.IsOutputRedirected,
            StderrIsTerminal = !Console.IsErrorRedirected,
            TerminalWidth = Terminal.TerminalSize.Width,
            Env = new EnvConfig(),
        };
    }
}
