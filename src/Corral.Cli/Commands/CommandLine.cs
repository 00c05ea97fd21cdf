using System.Text;
using Corral.Config;

namespace Corral.Cli.Commands;

/// <summary>Finds the verb in the arguments, parses its flags, checks the server and runs it.</summary>
public static class CommandLine
{
    public const string ProgramName = "corral";

    private static readonly string[] HostOnly = ["OLLAMA_HOST"];

    /// <summary>Every verb, in the order the help lists them.</summary>
    public static readonly IReadOnlyList<CommandSpec> Commands =
    [
        new()
        {
            Name = "serve", Use = "serve", Short = "Start Corral", Aliases = ["start"], Args = ArgsRule.Exactly(0),
            EnvironmentHelp = EnvConfig.ServeHelpVariables, NeedsServer = false, Run = ServeCommand.RunAsync,
        },
        new()
        {
            Name = "create", Use = "create MODEL", Short = "Create a model", Args = ArgsRule.Exactly(1), EnvironmentHelp = HostOnly,
            NeedsServer = false, // checked by CreateCommand: --experimental is refused without one
            Flags =
            [
                FlagSpec.String("file", "Name of the Modelfile (default \"Modelfile\")", 'f'),
                FlagSpec.String("quantize", "Quantize model to this level (e.g. q4_K_M)", 'q'),
                FlagSpec.String("draft-quantize", "Quantize draft model to this level"),
                FlagSpec.Bool("experimental", "Enable experimental safetensors model creation"),
            ],
            Run = CreateCommand.RunAsync,
        },
        new()
        {
            Name = "show", Use = "show MODEL", Short = "Show information for a model", Args = ArgsRule.Exactly(1), EnvironmentHelp = HostOnly,
            Flags =
            [
                FlagSpec.Bool("license", "Show license of a model"),
                FlagSpec.Bool("modelfile", "Show Modelfile of a model"),
                FlagSpec.Bool("parameters", "Show parameters of a model"),
                FlagSpec.Bool("template", "Show template of a model"),
                FlagSpec.Bool("system", "Show system message of a model"),
                FlagSpec.Bool("verbose", "Show detailed model information", 'v'),
            ],
            Run = ShowCommand.RunAsync,
        },
        new()
        {
            Name = "run", Use = "run MODEL [PROMPT]", Short = "Run a model", Args = ArgsRule.AtLeast(1), EnvironmentHelp = EnvConfig.RunHelpVariables,
            Flags =
            [
                FlagSpec.String("keepalive", "Duration to keep a model loaded (e.g. 5m)"),
                FlagSpec.Bool("verbose", "Show timings for response"),
                FlagSpec.Bool("insecure", "Use an insecure registry"),
                FlagSpec.Bool("nowordwrap", "Don't wrap words to the next line automatically"),
                FlagSpec.String("format", "Response format (e.g. json)"),
                FlagSpec.String("think", "Enable thinking mode: true/false or high/medium/low for supported models", noOptDefault: "true"),
                FlagSpec.Bool("hidethinking", "Hide thinking output (if provided)"),
                FlagSpec.Bool("truncate", "For embedding models: truncate inputs exceeding context length (default: true). Set --truncate=false to error instead"),
                FlagSpec.Int("dimensions", "Truncate output embeddings to specified dimension (embedding models only)"),
            ],
            Run = RunCommand.RunAsync,
        },
        new()
        {
            Name = "stop", Use = "stop MODEL", Short = "Stop a running model", Args = ArgsRule.Exactly(1), EnvironmentHelp = HostOnly,
            Run = StopCommand.RunAsync,
        },
        new()
        {
            Name = "pull", Use = "pull MODEL", Short = "Pull a model from a registry", Args = ArgsRule.Exactly(1), EnvironmentHelp = HostOnly,
            Flags = [FlagSpec.Bool("insecure", "Use an insecure registry")],
            Run = PullCommand.RunAsync,
        },
        new()
        {
            Name = "push", Use = "push MODEL", Short = "Push a model to a registry", Args = ArgsRule.Exactly(1), EnvironmentHelp = HostOnly,
            Flags = [FlagSpec.Bool("insecure", "Use an insecure registry")],
            Run = PushCommand.RunAsync,
        },
        new()
        {
            Name = "list", Use = "list", Short = "List models", Aliases = ["ls"], EnvironmentHelp = HostOnly,
            Run = ListCommand.RunAsync,
        },
        new()
        {
            Name = "ps", Use = "ps", Short = "List running models", EnvironmentHelp = HostOnly,
            Run = PsCommand.RunAsync,
        },
        new()
        {
            Name = "cp", Use = "cp SOURCE DESTINATION", Short = "Copy a model", Args = ArgsRule.Exactly(2), EnvironmentHelp = HostOnly,
            Run = CopyCommand.RunAsync,
        },
        new()
        {
            Name = "rm", Use = "rm MODEL [MODEL...]", Short = "Remove a model", Args = ArgsRule.AtLeast(1), EnvironmentHelp = HostOnly,
            Run = RemoveCommand.RunAsync,
        },
    ];

    private static readonly IReadOnlyList<FlagSpec> RootFlags =
    [
        FlagSpec.Bool("help", "help for " + ProgramName, 'h'),
        FlagSpec.Bool("version", "Show version information", 'v'),
        FlagSpec.Bool("verbose", "Show timings for response"),
        FlagSpec.Bool("nowordwrap", "Don't wrap words to the next line automatically"),
    ];

    public static CommandSpec? Find(string name) =>
        Commands.FirstOrDefault(c => c.Name == name || c.Aliases.Contains(name));

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellation = default)
    {
        int verbIndex = Array.FindIndex(args, a => !a.StartsWith('-'));
        if (verbIndex < 0)
        {
            var root = ParsedArgs.Parse(args, RootFlags);
            if (root.GetBool("version")) return await VersionCommand.RunAsync(context, cancellation);
            // Upstream opens an interactive launcher menu here; Corral prints the usage instead.
            context.Out.Write(RootHelp());
            return 0;
        }

        string verb = args[verbIndex];
        var rest = args.Where((_, i) => i != verbIndex).ToArray();
        if (verb == "help")
        {
            var parsedHelp = ParsedArgs.Parse(rest, RootFlags);
            if (parsedHelp.Args.Count == 0)
            {
                context.Out.Write(RootHelp());
                return 0;
            }
            var topic = Find(parsedHelp.Args[0]);
            if (topic is null)
            {
                context.Out.Write($"Unknown help topic [`{parsedHelp.Args[0]}`]\n" + RootUsage());
                return 0;
            }
            context.Out.Write(topic.Help(context));
            return 0;
        }

        var command = Find(verb) ?? throw new CliException($"unknown command \"{verb}\" for \"{ProgramName}\"");
        var parsed = ParsedArgs.Parse(rest, command.AllFlags);
        if (parsed.GetBool("help"))
        {
            context.Out.Write(command.Help(context));
            return 0;
        }
        command.Args.Check(parsed.Args.Count);
        if (command.NeedsServer) await context.Client.EnsureServerAsync(cancellation);
        return await command.Run(context, parsed, cancellation);
    }

    public static string RootHelp() => "Large language model runner\n\n" + RootUsage();

    private static string RootUsage()
    {
        var sb = new StringBuilder();
        sb.Append("Usage:\n  ").Append(ProgramName).Append(" [flags]\n  ").Append(ProgramName).Append(" [command]\n\n");
        sb.Append("Available Commands:\n");
        foreach (var c in Commands) sb.Append("  ").Append(c.Name.PadRight(11)).Append(' ').Append(c.Short).Append('\n');
        sb.Append("  ").Append("help".PadRight(11)).Append(' ').Append("Help about any command").Append('\n');
        sb.Append("\nFlags:\n").Append(FlagUsage.Format(RootFlags));
        sb.Append($"\nUse \"{ProgramName} [command] --help\" for more information about a command.\n");
        return sb.ToString();
    }
}
