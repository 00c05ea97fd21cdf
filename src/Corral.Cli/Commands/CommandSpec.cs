using System.Text;

namespace Corral.Cli.Commands;

/// <summary>How many positional arguments a command takes, with cobra's error wording.</summary>
public abstract record ArgsRule
{
    public abstract void Check(int count);

    public static ArgsRule Exactly(int n) => new ExactRule(n);
    public static ArgsRule AtLeast(int n) => new MinimumRule(n);
    public static readonly ArgsRule Any = new AnyRule();

    private sealed record ExactRule(int N) : ArgsRule
    {
        public override void Check(int count)
        {
            if (count != N) throw new CliException($"accepts {N} arg(s), received {count}");
        }
    }

    private sealed record MinimumRule(int N) : ArgsRule
    {
        public override void Check(int count)
        {
            if (count < N) throw new CliException($"requires at least {N} arg(s), only received {count}");
        }
    }

    private sealed record AnyRule : ArgsRule
    {
        public override void Check(int count) { }
    }
}

/// <summary>One verb of the CLI: its usage, flags, argument rule, environment help block and handler.</summary>
public sealed class CommandSpec
{
    public required string Name { get; init; }

    /// <summary>The usage line after the program name, e.g. <c>run MODEL [PROMPT]</c>.</summary>
    public required string Use { get; init; }

    public required string Short { get; init; }
    public IReadOnlyList<string> Aliases { get; init; } = [];
    public IReadOnlyList<FlagSpec> Flags { get; init; } = [];
    public ArgsRule Args { get; init; } = ArgsRule.Any;

    /// <summary>Variables listed under <c>Environment Variables:</c> in the help, or none.</summary>
    public IReadOnlyList<string> EnvironmentHelp { get; init; } = [];

    /// <summary>Whether the server must answer <c>HEAD /</c> before the handler runs (every verb but <c>serve</c>).</summary>
    public bool NeedsServer { get; init; } = true;

    public required Func<CliContext, ParsedArgs, CancellationToken, Task<int>> Run { get; init; }

    public IReadOnlyList<FlagSpec> AllFlags => [.. Flags, FlagSpec.Bool("help", "help for " + Name, 'h')];

    /// <summary>The help text, laid out as cobra prints it.</summary>
    public string Help(CliContext context)
    {
        var sb = new StringBuilder();
        sb.Append(Short).Append("\n\n");
        sb.Append("Usage:\n  ").Append(CommandLine.ProgramName).Append(' ').Append(Use);
        if (!Use.Contains("[flags]", StringComparison.Ordinal)) sb.Append(" [flags]");
        if (Aliases.Count > 0) sb.Append("\n\nAliases:\n  ").Append(string.Join(", ", [Name, .. Aliases]));
        sb.Append("\n\nFlags:\n").Append(FlagUsage.Format(AllFlags).TrimEnd()).Append('\n');
        if (EnvironmentHelp.Count > 0) sb.Append(context.Env.FormatHelpBlock(EnvironmentHelp));
        return sb.ToString();
    }
}
