namespace Corral.Cli.Commands;

/// <summary>Dispatches the first argument to a command.</summary>
public static class CommandLine
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "help" or "-h" or "--help")
        {
            stdout.Write(Usage);
            return 0;
        }
        if (args[0] is "-v" or "--version")
            return await VersionCommand.RunAsync(stdout, stderr);
        string verb = args[0];
        var rest = args[1..];
        return verb switch
        {
            "serve" or "start" => await ServeCommand.RunAsync(rest, stdout),
            _ => throw new CliException($"unknown command \"{verb}\" for \"corral\""),
        };
    }

    public const string Usage = """
        Large language model runner

        Usage:
          corral [flags]
          corral [command]

        Available Commands:
          serve       Start Corral
          create      Create a model
          show        Show information for a model
          run         Run a model
          stop        Stop a running model
          pull        Pull a model from a registry
          push        Push a model to a registry
          list        List models
          ps          List running models
          cp          Copy a model
          rm          Remove a model
          help        Help about any command

        Flags:
          -h, --help      help for corral
          -v, --version   Show version information

        Use "corral [command] --help" for more information about a command.

        """;
}
