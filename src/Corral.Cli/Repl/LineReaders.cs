using System.Text;
using Corral.Cli.Terminal;

namespace Corral.Cli.Repl;

public enum ReadStatus
{
    Line,
    /// <summary>Ctrl+D on an empty line, or the end of input.</summary>
    Eof,
    /// <summary>Ctrl+C.</summary>
    Interrupt,
    /// <summary>Ctrl+G: edit <see cref="ReadResult.Text"/> in an external editor.</summary>
    EditPrompt,
}

public readonly record struct ReadResult(ReadStatus Status, string Text);

/// <summary>The REPL's prompts: <c>&gt;&gt;&gt; </c> with a grey placeholder, and <c>... </c> while a message continues.</summary>
public sealed class PromptSettings
{
    public string Prompt { get; init; } = ">>> ";
    public string AltPrompt { get; init; } = "... ";
    public string Placeholder { get; init; } = "Send a message (/? for help)";
    public string AltPlaceholder { get; init; } = "Press Enter to send";
    public bool UseAlt { get; set; }

    public string Current => UseAlt ? AltPrompt : Prompt;
    public string CurrentPlaceholder => UseAlt ? AltPlaceholder : Placeholder;
}

/// <summary>Where the REPL reads its lines from.</summary>
public interface ILineReader : IDisposable
{
    PromptSettings Prompt { get; }
    History History { get; }

    /// <summary>True while the terminal is delivering a bracketed paste.</summary>
    bool Pasting { get; }

    /// <summary>Text to put in the next line's buffer (what came back from the external editor).</summary>
    string Prefill { set; }

    ReadResult ReadLine();
}

public static class LineReaders
{
    /// <summary>The raw-terminal editor when standard input is a Linux terminal, else plain line reading.</summary>
    public static ILineReader Create(CliContext context)
    {
        string? historyPath = Path.Combine(context.Env.HomeDirectory, ".ollama", "history");
        var history = new History(historyPath) { Enabled = !context.Env.NoHistory };
        if (context.StdinIsTerminal && RawTerminal.IsSupported) return new LineEditor(context.Out, history, context.TerminalWidth);
        return new PlainLineReader(new StreamReader(context.OpenStdin(), new UTF8Encoding(false)), context.Out, history);
    }
}

/// <summary>Lines from a stream (input that is not a terminal): the prompt is printed, no editing.</summary>
public sealed class PlainLineReader(TextReader input, TextWriter output, History history) : ILineReader
{
    public PromptSettings Prompt { get; } = new();
    public History History { get; } = history;
    public bool Pasting => false;
    public string Prefill { set { } }

    public ReadResult ReadLine()
    {
        output.Write(Prompt.Current);
        string? line = input.ReadLine();
        if (line is null) return new ReadResult(ReadStatus.Eof, "");
        if (line.Length > 0) History.Add(line);
        output.Write("\n");
        Prompt.UseAlt = false;
        return new ReadResult(ReadStatus.Line, line);
    }

    public void Dispose() => input.Dispose();
}
