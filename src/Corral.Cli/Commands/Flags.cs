using System.Globalization;
using System.Text;
using Corral.Config;

namespace Corral.Cli.Commands;

public enum FlagKind
{
    Bool,
    String,
    Int,
}

/// <summary>
/// One command-line flag. <paramref name="NoOptDefault"/> is the value a flag given without <c>=value</c> takes (as
/// <c>--think</c> means <c>--think=true</c>); such a flag never consumes the next argument.
/// </summary>
public sealed record FlagSpec(string Name, char? Shorthand, FlagKind Kind, string Usage, string? NoOptDefault = null)
{
    public static FlagSpec Bool(string name, string usage, char? shorthand = null) => new(name, shorthand, FlagKind.Bool, usage);
    public static FlagSpec String(string name, string usage, char? shorthand = null, string? noOptDefault = null) => new(name, shorthand, FlagKind.String, usage, noOptDefault);
    public static FlagSpec Int(string name, string usage) => new(name, null, FlagKind.Int, usage);

    internal string TypeName => Kind switch
    {
        FlagKind.String => "string",
        FlagKind.Int => "int",
        _ => "",
    };
}

/// <summary>The arguments and flag values of one invocation.</summary>
public sealed class ParsedArgs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public List<string> Args { get; } = [];

    public bool Changed(string name) => _values.ContainsKey(name);

    public bool GetBool(string name) => _values.TryGetValue(name, out var v) && GoInt.TryParseBool(v, out bool b) && b;

    public string GetString(string name) => _values.TryGetValue(name, out var v) ? v : "";

    public int GetInt(string name) => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : 0;

    internal void Set(string name, string value) => _values[name] = value;

    /// <summary>
    /// Parses flags interspersed with arguments, with the rules of Go's pflag: <c>--name=value</c>, <c>--name value</c>,
    /// <c>-n value</c>, <c>-nvalue</c>, grouped boolean shorthands (<c>-abc</c>), <c>--</c> ends the flags, and errors
    /// worded as pflag words them.
    /// </summary>
    public static ParsedArgs Parse(IReadOnlyList<string> args, IReadOnlyList<FlagSpec> flags)
    {
        var result = new ParsedArgs();
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "--")
            {
                result.Args.AddRange(args.Skip(i + 1));
                break;
            }
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                string body = a[2..];
                int eq = body.IndexOf('=');
                string name = eq >= 0 ? body[..eq] : body;
                var spec = flags.FirstOrDefault(f => f.Name == name) ?? throw new CliException($"unknown flag: --{name}");
                string display = "--" + name;
                if (eq >= 0) result.Set(spec, body[(eq + 1)..], spec.Shorthand is { } sh ? $"-{sh}, --{name}" : display);
                else if (spec.Kind == FlagKind.Bool) result.Set(spec.Name, "true");
                else if (spec.NoOptDefault is { } d) result.Set(spec.Name, d);
                else if (i + 1 < args.Count) result.Set(spec, args[++i], spec.Shorthand is { } sh2 ? $"-{sh2}, --{name}" : display);
                else throw new CliException($"flag needs an argument: {display}");
            }
            else if (a.StartsWith('-') && a.Length > 1)
            {
                string shorts = a[1..];
                for (int j = 0; j < shorts.Length; j++)
                {
                    char c = shorts[j];
                    var spec = flags.FirstOrDefault(f => f.Shorthand == c) ?? throw new CliException($"unknown shorthand flag: '{c}' in {a}");
                    string display = $"-{c}, --{spec.Name}";
                    string rest = shorts[(j + 1)..];
                    if (rest.StartsWith('='))
                    {
                        result.Set(spec, rest[1..], display);
                        break;
                    }
                    if (spec.Kind == FlagKind.Bool)
                    {
                        result.Set(spec.Name, "true");
                        continue;
                    }
                    if (rest.Length > 0) result.Set(spec, rest, display);
                    else if (spec.NoOptDefault is { } d) result.Set(spec.Name, d);
                    else if (i + 1 < args.Count) result.Set(spec, args[++i], display);
                    else throw new CliException($"flag needs an argument: '{c}' in {a}");
                    break;
                }
            }
            else
            {
                result.Args.Add(a);
            }
        }
        return result;
    }

    private void Set(FlagSpec spec, string value, string display)
    {
        switch (spec.Kind)
        {
            case FlagKind.Bool when !GoInt.TryParseBool(value, out _):
                throw new CliException($"invalid argument {Quote(value)} for {Quote(display)} flag: strconv.ParseBool: parsing {Quote(value)}: invalid syntax");
            case FlagKind.Int when !GoInt.TryParseInt64(value, out long n) || n is < int.MinValue or > int.MaxValue:
                throw new CliException($"invalid argument {Quote(value)} for {Quote(display)} flag: strconv.ParseInt: parsing {Quote(value)}: invalid syntax");
        }
        Set(spec.Name, value);
    }

    private static string Quote(string s) => Corral.Store.GoFormat.Quote(s);
}

/// <summary>Help text in the layout of Go's cobra/pflag, which Ollama's CLI uses.</summary>
public static class FlagUsage
{
    /// <summary>
    /// The <c>Flags:</c> block: flags sorted by name, each <c>  -s, --name type</c> (or six spaces for no shorthand),
    /// then the usage three columns after the longest left part (pflag counts a separator byte in the width).
    /// </summary>
    public static string Format(IEnumerable<FlagSpec> flags)
    {
        var lines = new List<(string Left, string Usage)>();
        foreach (var f in flags.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var left = new StringBuilder(f.Shorthand is { } s ? $"  -{s}, --{f.Name}" : $"      --{f.Name}");
            if (f.TypeName.Length > 0) left.Append(' ').Append(f.TypeName);
            if (f.NoOptDefault is { } d && f.Kind == FlagKind.String) left.Append("[=\"").Append(d).Append("\"]");
            lines.Add((left.ToString(), f.Usage));
        }
        int max = lines.Count == 0 ? 0 : lines.Max(l => l.Left.Length);
        var sb = new StringBuilder();
        foreach (var (left, usage) in lines)
            sb.Append(left).Append(' ', max - left.Length + 3).Append(usage).Append('\n');
        return sb.ToString();
    }
}
