using System.Text;

namespace Corral.Cli.Terminal;

/// <summary>
/// Streams model output to the terminal with Ollama's word wrap: a word that would cross column width−5 is moved to
/// the next line (cursor back over it, clear to the end of the line, newline, reprint); a word longer than width−10
/// is broken where it stands. Wide characters count as two columns.
/// </summary>
public sealed class ResponseDisplay(TextWriter output, bool wordWrap, Func<int> terminalWidth)
{
    private int _lineLength;
    private readonly StringBuilder _word = new();

    public bool WordWrap => wordWrap;

    public void Write(string content)
    {
        int width = terminalWidth();
        if (width <= 0) width = 80;
        if (!wordWrap || width < 10)
        {
            output.Write(content);
            return;
        }
        var sb = new StringBuilder();
        foreach (var ch in content.EnumerateRunes())
        {
            int chWidth = DisplayWidth.Of(ch);
            if (_lineLength + 1 > width - 5)
            {
                int wordWidth = DisplayWidth.Of(_word.ToString());
                if (wordWidth > width - 10)
                {
                    sb.Append(_word).Append(ch.ToString());
                    _word.Clear();
                    _lineLength = 0;
                    continue;
                }
                if (wordWidth > 0) sb.Append(Ansi.CursorLeft(wordWidth));
                sb.Append(Ansi.ClearToEol).Append('\n');
                sb.Append(_word).Append(ch.ToString());
                _lineLength = wordWidth + chWidth;
                if (ch.Value is ' ' or '\t') _word.Clear();
                else _word.Append(ch.ToString());
                continue;
            }
            sb.Append(ch.ToString());
            _lineLength += chWidth;
            if (chWidth >= 2)
            {
                _word.Clear();
                continue;
            }
            switch (ch.Value)
            {
                case ' ' or '\t':
                    _word.Clear();
                    break;
                case '\n' or '\r':
                    _lineLength = 0;
                    _word.Clear();
                    break;
                default:
                    _word.Append(ch.ToString());
                    break;
            }
        }
        output.Write(sb.ToString());
    }
}
