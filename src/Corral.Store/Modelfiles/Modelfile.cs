using System.Text;

namespace Corral.Store.Modelfiles;

/// <summary>Modelfile instructions (runtime.md §5.1).</summary>
public enum ModelfileInstruction
{
    From,
    Adapter,
    Draft,
    Template,
    System,
    License,
    Parameter,
    Message,
    Requires,
    Renderer,
    Parser,
}

/// <summary>One parsed instruction. <see cref="Key"/> is the parameter name (case kept) or the message role.</summary>
public sealed record ModelfileCommand(ModelfileInstruction Instruction, string Value, string? Key = null)
{
    /// <summary>
    /// The instruction as <c>show --modelfile</c> prints it: the command word upper-cased, <c>FROM</c> values bare, other
    /// values through <see cref="Quote"/>.
    /// </summary>
    public override string ToString() => Instruction switch
    {
        ModelfileInstruction.From => "FROM " + Value,
        ModelfileInstruction.Parameter => $"PARAMETER {Key} {Quote(Value)}",
        ModelfileInstruction.Message => $"MESSAGE {Key} {Quote(Value)}",
        _ => Instruction.ToString().ToUpperInvariant() + " " + Quote(Value),
    };

    /// <summary>
    /// The printer's quoting rule: values that contain a line break, start or end with whitespace, or start with a double
    /// quote are wrapped — in <c>"""…"""</c> if they contain a double quote, else in <c>"…"</c>; others print bare.
    /// Upstream only checks for <c>\n</c> and edge spaces; the extra cases (CR, tabs, a leading quote) are values upstream
    /// prints in a form that does not parse back to the same text. Values containing <c>"""</c> that need quoting cannot
    /// round-trip at all (the format has no escapes).
    /// </summary>
    public static string Quote(string s)
    {
        bool needsQuotes = s.Length > 0 && (s.Contains('\n') || s.Contains('\r') || char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1]) || s[0] == '"');
        if (!needsQuotes) return s;
        return s.Contains('"') ? "\"\"\"" + s + "\"\"\"" : "\"" + s + "\"";
    }
}

/// <summary>A Modelfile that failed to parse. Messages are upstream's: <c>(line 3): command must be one of …</c>,
/// <c>unexpected EOF</c>, <c>no FROM line</c>.</summary>
public sealed class ModelfileException : Exception
{
    public ModelfileException(string message, int? line = null)
        : base(line is > 0 ? $"(line {line}): {message}" : message)
    {
        Line = line;
        Reason = message;
    }

    /// <summary>The line number reported (CR and LF each count as a line break), or null.</summary>
    public int? Line { get; }

    /// <summary>The message without the line prefix.</summary>
    public string Reason { get; }
}

/// <summary>A parsed Modelfile: its instructions in order. <see cref="ToString"/> prints it back in a form that parses to the same commands.</summary>
public sealed class Modelfile(IReadOnlyList<ModelfileCommand> commands)
{
    public IReadOnlyList<ModelfileCommand> Commands { get; } = commands;

    /// <summary>Parses Modelfile text.</summary>
    public static Modelfile Parse(string text) => ModelfileParser.Parse(text);

    /// <summary>Parses raw bytes: a UTF-8, UTF-16 LE or UTF-16 BE byte-order mark selects the encoding; otherwise UTF-8.</summary>
    public static Modelfile Parse(ReadOnlySpan<byte> bytes) => ModelfileParser.Parse(Decode(bytes));

    public static Modelfile Parse(Stream stream)
    {
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return Parse(ms.GetBuffer().AsSpan(0, (int)ms.Length));
    }

    public static Modelfile ParseFile(string path) => Parse(File.ReadAllBytes(path));

    /// <summary>Each command on its own line, each line ending in <c>\n</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var c in Commands) sb.Append(c.ToString()).Append('\n');
        return sb.ToString();
    }

    private static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) return new UTF8Encoding(false).GetString(bytes[3..]);
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE])) return new UnicodeEncoding(bigEndian: false, byteOrderMark: false).GetString(bytes[2..]);
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])) return new UnicodeEncoding(bigEndian: true, byteOrderMark: false).GetString(bytes[2..]);
        return new UTF8Encoding(false).GetString(bytes);
    }
}
