using System.Text;
using Corral.Cli.Terminal;

namespace Corral.Cli.Repl;

/// <summary>
/// A readline over raw terminal input: cursor movement (arrows, Home/End, Ctrl+A/E/B/F, Alt+B/F), deletion
/// (Backspace, Delete, Ctrl+D/K/U/W, Alt+Backspace), history (Up/Down, Ctrl+P/N), Ctrl+C, Ctrl+L, Ctrl+G, Ctrl+Z,
/// Ctrl+J for a line break inside the message, Tab as eight spaces, and bracketed paste. The line is redrawn whole
/// after each edit, wrapping at the terminal width.
/// </summary>
public sealed class LineEditor : ILineReader
{
    private const int CtrlA = 1, CtrlB = 2, CtrlC = 3, CtrlD = 4, CtrlE = 5, CtrlF = 6, CtrlG = 7, CtrlH = 8, Tab = 9, CtrlJ = 10,
        CtrlK = 11, CtrlL = 12, Enter = 13, CtrlN = 14, CtrlP = 16, CtrlU = 21, CtrlW = 23, CtrlZ = 26, Esc = 27, Backspace = 127;

    private readonly TextWriter _out;
    private readonly Func<int> _width;
    private readonly KeyInput _input = new();
    private readonly List<(string Text, int Rows)> _pastedLines = [];
    private List<Rune> _buffer = [];
    private int _pos;
    private int _cursorRow;
    private int _renderedRows = 1;
    private string _prefill = "";

    public PromptSettings Prompt { get; } = new();
    public History History { get; }
    public bool Pasting { get; private set; }
    public string Prefill { set => _prefill = value; }

    public LineEditor(TextWriter output, History history, Func<int> terminalWidth)
    {
        _out = output;
        History = history;
        _width = terminalWidth;
    }

    public ReadResult ReadLine()
    {
        byte[] saved = RawTerminal.EnterRawMode();
        try
        {
            return ReadLineRaw();
        }
        finally
        {
            RawTerminal.Restore(saved);
        }
    }

    private string PromptText => Pasting ? Prompt.AltPrompt : Prompt.Current;

    private ReadResult ReadLineRaw()
    {
        _buffer = [];
        _pos = 0;
        _cursorRow = 0;
        _renderedRows = 1;
        List<Rune>? savedLine = null;

        if (_prefill.Length > 0)
        {
            var lines = _prefill.Split('\n');
            _prefill = "";
            for (int i = 0; i < lines.Length; i++)
            {
                _buffer = [.. lines[i].EnumerateRunes()];
                _pos = _buffer.Count;
                if (i < lines.Length - 1)
                {
                    Refresh(placeholder: false);
                    CommitLineBreak();
                }
            }
        }
        Refresh(placeholder: true);

        bool draining = false, stopDraining = false;
        while (true)
        {
            if (stopDraining)
            {
                draining = false;
                stopDraining = false;
            }
            var key = _input.ReadKey();
            if (_input.Buffered > 0) draining = true;
            else if (draining) stopDraining = true;

            switch (key.Kind)
            {
                case KeyKind.Eof:
                    return new ReadResult(ReadStatus.Eof, "");
                case KeyKind.Up:
                    HistoryPrevious(ref savedLine);
                    continue;
                case KeyKind.Down:
                    HistoryNext(ref savedLine);
                    continue;
                case KeyKind.Left:
                    Move(_pos - 1);
                    continue;
                case KeyKind.Right:
                    Move(_pos + 1);
                    continue;
                case KeyKind.Home:
                    Move(0);
                    continue;
                case KeyKind.End:
                    Move(_buffer.Count);
                    continue;
                case KeyKind.WordLeft:
                    Move(WordStartBefore(_pos));
                    continue;
                case KeyKind.WordRight:
                    Move(WordEndAfter(_pos));
                    continue;
                case KeyKind.Delete:
                    DeleteUnderCursor();
                    continue;
                case KeyKind.DeleteWord:
                    DeleteWordBefore();
                    continue;
                case KeyKind.PasteStart:
                    Pasting = true;
                    continue;
                case KeyKind.PasteEnd:
                    Pasting = false;
                    continue;
                case KeyKind.Ignored:
                    continue;
            }

            int c = key.Rune.Value;
            switch (c)
            {
                case 0:
                    continue;
                case CtrlC:
                    _pastedLines.Clear();
                    Prompt.UseAlt = false;
                    return new ReadResult(ReadStatus.Interrupt, "");
                case CtrlP:
                    HistoryPrevious(ref savedLine);
                    break;
                case CtrlN:
                    HistoryNext(ref savedLine);
                    break;
                case CtrlA:
                    Move(0);
                    break;
                case CtrlE:
                    Move(_buffer.Count);
                    break;
                case CtrlB:
                    Move(_pos - 1);
                    break;
                case CtrlF:
                    Move(_pos + 1);
                    break;
                case Backspace or CtrlH:
                    if (_buffer.Count == 0 && _pastedLines.Count > 0) JoinPreviousLine();
                    else if (_pos > 0)
                    {
                        _buffer.RemoveAt(--_pos);
                        Refresh(placeholder: true);
                    }
                    break;
                case Tab:
                    for (int i = 0; i < 8; i++) Insert(new Rune(' '));
                    Refresh(placeholder: true);
                    break;
                case CtrlD:
                    if (_buffer.Count > 0) DeleteUnderCursor();
                    else return new ReadResult(ReadStatus.Eof, "");
                    break;
                case CtrlK:
                    _buffer.RemoveRange(_pos, _buffer.Count - _pos);
                    Refresh(placeholder: true);
                    break;
                case CtrlU:
                    _buffer.RemoveRange(0, _pos);
                    _pos = 0;
                    Refresh(placeholder: true);
                    break;
                case CtrlL:
                    _out.Write(Ansi.ClearScreen + Ansi.CursorHome);
                    _cursorRow = 0;
                    _renderedRows = 1;
                    Refresh(placeholder: true);
                    break;
                case CtrlW:
                    DeleteWordBefore();
                    break;
                case CtrlG:
                {
                    string text = Joined();
                    ClearAllLines();
                    Prompt.UseAlt = false;
                    return new ReadResult(ReadStatus.EditPrompt, text);
                }
                case CtrlZ:
                    RawTerminal.Suspend();
                    return new ReadResult(ReadStatus.Line, "");
                case CtrlJ when !draining:
                    CommitLineBreak();
                    Refresh(placeholder: true);
                    break;
                case CtrlJ or Enter:
                {
                    string output = Joined();
                    if (output.Length > 0) History.Add(output);
                    // Redraw even when nothing moved: typed-ahead input is inserted without intermediate redraws.
                    _pos = _buffer.Count;
                    Refresh(placeholder: false);
                    _out.Write("\n");
                    Prompt.UseAlt = false;
                    return new ReadResult(ReadStatus.Line, output);
                }
                default:
                    if (c >= 32)
                    {
                        Insert(key.Rune);
                        if (_input.Buffered == 0) Refresh(placeholder: true);
                    }
                    break;
            }
        }
    }

    private string Joined()
    {
        string current = string.Concat(_buffer.Select(r => r.ToString()));
        if (_pastedLines.Count == 0) return current;
        string all = string.Join("\n", _pastedLines.Select(l => l.Text)) + "\n" + current;
        _pastedLines.Clear();
        return all;
    }

    private void Insert(Rune r)
    {
        _buffer.Insert(_pos++, r);
    }

    private void Move(int pos)
    {
        pos = Math.Clamp(pos, 0, _buffer.Count);
        if (pos == _pos) return;
        _pos = pos;
        Refresh(placeholder: true);
    }

    private void DeleteUnderCursor()
    {
        if (_pos >= _buffer.Count) return;
        _buffer.RemoveAt(_pos);
        Refresh(placeholder: true);
    }

    private void DeleteWordBefore()
    {
        int start = WordStartBefore(_pos);
        if (start == _pos) return;
        _buffer.RemoveRange(start, _pos - start);
        _pos = start;
        Refresh(placeholder: true);
    }

    private int WordStartBefore(int pos)
    {
        while (pos > 0 && _buffer[pos - 1].Value == ' ') pos--;
        while (pos > 0 && _buffer[pos - 1].Value != ' ') pos--;
        return pos;
    }

    private int WordEndAfter(int pos)
    {
        while (pos < _buffer.Count && _buffer[pos].Value == ' ') pos++;
        while (pos < _buffer.Count && _buffer[pos].Value != ' ') pos++;
        return pos;
    }

    private void HistoryPrevious(ref List<Rune>? savedLine)
    {
        if (History.Position <= 0) return;
        if (History.Position == History.Count) savedLine = [.. _buffer];
        Replace(History.Previous());
    }

    private void HistoryNext(ref List<Rune>? savedLine)
    {
        if (History.Position >= History.Count) return;
        string next = History.Next();
        if (History.Position == History.Count) Replace(string.Concat((savedLine ?? []).Select(r => r.ToString())));
        else Replace(next);
    }

    private void Replace(string text)
    {
        _buffer = [.. text.EnumerateRunes()];
        _pos = _buffer.Count;
        Refresh(placeholder: true);
    }

    /// <summary>Ctrl+J: the current line becomes a finished line of the message and a continuation line starts.</summary>
    private void CommitLineBreak()
    {
        _pos = _buffer.Count;
        Refresh(placeholder: false);
        _pastedLines.Add((string.Concat(_buffer.Select(r => r.ToString())), _renderedRows));
        _out.Write("\n");
        Prompt.UseAlt = true;
        _buffer = [];
        _pos = 0;
        _cursorRow = 0;
        _renderedRows = 1;
    }

    /// <summary>Backspace at the start of a continuation line: go back to the end of the previous line.</summary>
    private void JoinPreviousLine()
    {
        var (text, rows) = _pastedLines[^1];
        _pastedLines.RemoveAt(_pastedLines.Count - 1);
        var sb = new StringBuilder();
        if (_cursorRow > 0) sb.Append(Ansi.CursorUpN(_cursorRow));
        sb.Append('\r').Append(Ansi.ClearToEndOfScreen).Append(Ansi.CursorUpN(rows)).Append('\r').Append(Ansi.ClearToEndOfScreen);
        _out.Write(sb.ToString());
        if (_pastedLines.Count == 0) Prompt.UseAlt = false;
        _buffer = [.. text.EnumerateRunes()];
        _pos = _buffer.Count;
        _cursorRow = 0;
        _renderedRows = 1;
        Refresh(placeholder: true);
    }

    /// <summary>Erases the message being edited (for Ctrl+G).</summary>
    private void ClearAllLines()
    {
        int rows = _cursorRow + _pastedLines.Sum(l => l.Rows);
        _pastedLines.Clear();
        var sb = new StringBuilder();
        if (rows > 0) sb.Append(Ansi.CursorUpN(rows));
        sb.Append('\r').Append(Ansi.ClearToEndOfScreen);
        _out.Write(sb.ToString());
    }

    /// <summary>Redraws the prompt and buffer from the line's first row and puts the cursor where it belongs.</summary>
    private void Refresh(bool placeholder)
    {
        int width = _width();
        if (width <= 0) width = 80;
        string prompt = PromptText;
        int promptWidth = DisplayWidth.Of(prompt);

        var sb = new StringBuilder();
        if (_cursorRow > 0) sb.Append(Ansi.CursorUpN(_cursorRow));
        // Erase below only when the line had wrapped: tmux moves the whole screen into its history when told to erase
        // below from the top-left corner.
        sb.Append('\r').Append(_renderedRows > 1 ? Ansi.ClearToEndOfScreen : Ansi.ClearToEol).Append(prompt);
        int total = promptWidth, cursor = promptWidth;
        for (int i = 0; i < _buffer.Count; i++)
        {
            if (i == _pos) cursor = total;
            sb.Append(_buffer[i].ToString());
            total += DisplayWidth.Of(_buffer[i]);
        }
        if (_pos == _buffer.Count) cursor = total;

        if (_buffer.Count == 0 && placeholder && (!Pasting || Prompt.UseAlt))
        {
            string ph = Prompt.CurrentPlaceholder;
            sb.Append(Ansi.ColorGrey).Append(ph).Append(Ansi.CursorLeft(ph.Length)).Append(Ansi.ColorDefault);
        }

        // A line that exactly fills its last row leaves the terminal in the pending-wrap state; move on explicitly.
        int endRow = total / width;
        if (total > 0 && total % width == 0) sb.Append("\r\n");
        int cursorRow = cursor / width, cursorCol = cursor % width;
        if (endRow > cursorRow) sb.Append(Ansi.CursorUpN(endRow - cursorRow));
        sb.Append('\r');
        if (cursorCol > 0) sb.Append(Ansi.CursorRight(cursorCol));
        _cursorRow = cursorRow;
        _renderedRows = endRow + 1;
        _out.Write(sb.ToString());
    }

    public void Dispose() { }
}

internal enum KeyKind
{
    Char,
    Eof,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    WordLeft,
    WordRight,
    Delete,
    DeleteWord,
    PasteStart,
    PasteEnd,
    Ignored,
}

internal readonly record struct Key(KeyKind Kind, Rune Rune = default);

/// <summary>Decodes raw terminal bytes into characters and the escape sequences the editor understands.</summary>
internal sealed class KeyInput
{
    private readonly byte[] _buffer = new byte[4096];
    private int _start, _end;

    /// <summary>Bytes already read from the terminal and not yet decoded.</summary>
    public int Buffered => _end - _start;

    public Key ReadKey()
    {
        if (!TryReadByte(out byte b)) return new Key(KeyKind.Eof);
        if (b != 27) return new Key(KeyKind.Char, DecodeRune(b));
        if (!TryReadByte(out byte next)) return new Key(KeyKind.Eof);
        switch (next)
        {
            case (byte)'[':
                return ReadCsi();
            case (byte)'O':
                if (!TryReadByte(out byte ss3)) return new Key(KeyKind.Eof);
                return ss3 switch
                {
                    (byte)'A' => new Key(KeyKind.Up),
                    (byte)'B' => new Key(KeyKind.Down),
                    (byte)'C' => new Key(KeyKind.Right),
                    (byte)'D' => new Key(KeyKind.Left),
                    (byte)'H' => new Key(KeyKind.Home),
                    (byte)'F' => new Key(KeyKind.End),
                    _ => new Key(KeyKind.Ignored),
                };
            case (byte)'b':
                return new Key(KeyKind.WordLeft);
            case (byte)'f':
                return new Key(KeyKind.WordRight);
            case 127 or 8:
                return new Key(KeyKind.DeleteWord);
            default:
                return new Key(KeyKind.Ignored);
        }
    }

    private Key ReadCsi()
    {
        var parameters = new StringBuilder();
        while (true)
        {
            if (!TryReadByte(out byte c)) return new Key(KeyKind.Eof);
            if (c >= 0x40 && c <= 0x7e)
            {
                string p = parameters.ToString();
                return (char)c switch
                {
                    'A' => new Key(KeyKind.Up),
                    'B' => new Key(KeyKind.Down),
                    'C' => new Key(p.EndsWith(";5", StringComparison.Ordinal) || p.EndsWith(";3", StringComparison.Ordinal) ? KeyKind.WordRight : KeyKind.Right),
                    'D' => new Key(p.EndsWith(";5", StringComparison.Ordinal) || p.EndsWith(";3", StringComparison.Ordinal) ? KeyKind.WordLeft : KeyKind.Left),
                    'H' => new Key(KeyKind.Home),
                    'F' => new Key(KeyKind.End),
                    '~' => p switch
                    {
                        "1" or "7" => new Key(KeyKind.Home),
                        "4" or "8" => new Key(KeyKind.End),
                        "3" => new Key(KeyKind.Delete),
                        "200" => new Key(KeyKind.PasteStart),
                        "201" => new Key(KeyKind.PasteEnd),
                        _ => new Key(KeyKind.Ignored),
                    },
                    _ => new Key(KeyKind.Ignored),
                };
            }
            parameters.Append((char)c);
        }
    }

    private Rune DecodeRune(byte first)
    {
        int length = first < 0x80 ? 1 : first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 1;
        if (length == 1) return first < 0x80 ? new Rune(first) : Rune.ReplacementChar;
        Span<byte> bytes = stackalloc byte[4];
        bytes[0] = first;
        for (int i = 1; i < length; i++)
        {
            if (!TryReadByte(out bytes[i])) return Rune.ReplacementChar;
        }
        return Rune.DecodeFromUtf8(bytes[..length], out var r, out _) == System.Buffers.OperationStatus.Done ? r : Rune.ReplacementChar;
    }

    private bool TryReadByte(out byte b)
    {
        if (_start == _end)
        {
            int n = RawTerminal.Read(_buffer);
            if (n <= 0)
            {
                b = 0;
                return false;
            }
            _start = 0;
            _end = n;
        }
        b = _buffer[_start++];
        return true;
    }
}
