using System.Globalization;

namespace Corral.Templates.GoTemplates.Syntax;

internal enum GoTokenKind : byte
{
    Error,
    Bool,
    Char,
    CharConstant,
    Declare,      // :=
    Assign,       // =
    Eof,
    Field,        // .Name
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,     // $ or $name
    // keywords
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

internal readonly record struct GoToken(GoTokenKind Kind, int Pos, string Value, int Line)
{
    public bool IsKeyword => Kind >= GoTokenKind.Block;

    /// <summary>Go's <c>item.String()</c>, used in "unexpected X in Y" messages.</summary>
    public override string ToString() => Kind switch
    {
        GoTokenKind.Eof => "EOF",
        GoTokenKind.Error => Value,
        _ when IsKeyword => $"<{Value}>",
        _ when Value.Length > 10 => GoQuote.Quote(Value[..10]) + "...",
        _ => GoQuote.Quote(Value),
    };
}

/// <summary>
/// Tokenizes Go template source the way <c>text/template/parse</c>'s lexer does: text between <c>{{ }}</c> actions,
/// trim markers <c>{{- </c> and <c> -}}</c> (the space is required), comments <c>{{/* */}}</c>, newlines allowed in actions.
/// </summary>
internal sealed class GoLexer
{
    private const string LeftDelim = "{{", RightDelim = "}}";
    private static readonly Dictionary<string, GoTokenKind> Keywords = new(StringComparer.Ordinal)
    {
        ["."] = GoTokenKind.Dot,
        ["block"] = GoTokenKind.Block,
        ["break"] = GoTokenKind.Break,
        ["continue"] = GoTokenKind.Continue,
        ["define"] = GoTokenKind.Define,
        ["else"] = GoTokenKind.Else,
        ["end"] = GoTokenKind.End,
        ["if"] = GoTokenKind.If,
        ["range"] = GoTokenKind.Range,
        ["nil"] = GoTokenKind.Nil,
        ["template"] = GoTokenKind.Template,
        ["with"] = GoTokenKind.With,
    };

    private readonly string _input;
    private readonly List<GoToken> _tokens = new();
    private int _pos, _start, _line = 1, _startLine = 1, _parenDepth;
    private bool _insideAction;

    private GoLexer(string input) => _input = input;

    /// <summary>Tokenizes the whole input; the list ends with an Eof or an Error token.</summary>
    public static List<GoToken> Tokenize(string input)
    {
        var lexer = new GoLexer(input);
        lexer.Run();
        return lexer._tokens;
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';
    private static bool IsAlphaNumeric(int c) => c == '_' || (c >= 0 && (char.IsLetter((char)c) || char.IsDigit((char)c)));

    private int Peek(int offset = 0) => _pos + offset < _input.Length ? _input[_pos + offset] : -1;

    private void Emit(GoTokenKind kind)
    {
        _tokens.Add(new GoToken(kind, _start, _input[_start.._pos], _startLine));
        CountLines(_start, _pos);
        _start = _pos;
        _startLine = _line;
    }

    private void Ignore()
    {
        CountLines(_start, _pos);
        _start = _pos;
        _startLine = _line;
    }

    private void CountLines(int from, int to)
    {
        for (int i = from; i < to; i++)
            if (_input[i] == '\n') _line++;
    }

    private bool Error(string message)
    {
        _tokens.Add(new GoToken(GoTokenKind.Error, _start, message, _startLine));
        return false;
    }

    private bool StartsWith(int at, string s) => at <= _input.Length && string.CompareOrdinal(_input, at, s, 0, s.Length) == 0 && at + s.Length <= _input.Length;

    private bool HasLeftTrimMarker(int at) => at + 1 < _input.Length && _input[at] == '-' && IsSpace(_input[at + 1]);

    private bool HasRightTrimMarker(int at) => at + 1 < _input.Length && IsSpace(_input[at]) && _input[at + 1] == '-';

    /// <summary>At a right delimiter, possibly preceded by a trim marker " -".</summary>
    private (bool Delim, bool Trim) AtRightDelim()
    {
        if (StartsWith(_pos, RightDelim)) return (true, false);
        if (HasRightTrimMarker(_pos) && StartsWith(_pos + 2, RightDelim)) return (true, true);
        return (false, false);
    }

    private void Run()
    {
        while (true)
        {
            bool ok = _insideAction ? LexInsideAction() : LexText();
            if (!ok) return;
        }
    }

    /// <returns>False when lexing is finished (EOF or error).</returns>
    private bool LexText()
    {
        int x = _input.IndexOf(LeftDelim, _pos, StringComparison.Ordinal);
        if (x < 0)
        {
            _pos = _input.Length;
            if (_pos > _start) Emit(GoTokenKind.Text);
            Emit(GoTokenKind.Eof);
            return false;
        }
        _pos = x;
        int trim = 0;
        if (HasLeftTrimMarker(x + LeftDelim.Length))
        {
            int end = _pos;
            while (end > _start && IsSpace(_input[end - 1])) end--;
            trim = _pos - end;
        }
        _pos -= trim;
        if (_pos > _start) Emit(GoTokenKind.Text);
        _pos += trim;
        Ignore();
        return LexLeftDelim();
    }

    private bool LexLeftDelim()
    {
        _pos += LeftDelim.Length;
        bool trim = HasLeftTrimMarker(_pos);
        int afterMarker = trim ? 2 : 0;
        if (StartsWith(_pos + afterMarker, "/*"))
        {
            _pos += afterMarker;
            Ignore();
            return LexComment();
        }
        Emit(GoTokenKind.LeftDelim);
        _pos += afterMarker;
        Ignore();
        _parenDepth = 0;
        _insideAction = true;
        return true;
    }

    private bool LexComment()
    {
        _pos += 2;
        int end = _input.IndexOf("*/", _pos, StringComparison.Ordinal);
        if (end < 0) return Error("unclosed comment");
        _pos = end + 2;
        var (delim, trim) = AtRightDelim();
        if (!delim) return Error("comment ends before closing delimiter");
        if (trim) _pos += 2;
        _pos += RightDelim.Length;
        if (trim) while (_pos < _input.Length && IsSpace(_input[_pos])) _pos++;
        Ignore();
        return true;
    }

    private bool LexRightDelim(bool trim)
    {
        if (trim)
        {
            _pos += 2;
            Ignore();
        }
        _pos += RightDelim.Length;
        Emit(GoTokenKind.RightDelim);
        if (trim)
        {
            while (_pos < _input.Length && IsSpace(_input[_pos])) _pos++;
            Ignore();
        }
        _insideAction = false;
        return true;
    }

    private bool LexInsideAction()
    {
        var (delim, trim) = AtRightDelim();
        if (delim)
        {
            if (_parenDepth == 0) return LexRightDelim(trim);
            return Error("unclosed left paren");
        }
        int r = Peek();
        if (r < 0) return Error("unclosed action");
        _pos++;
        char c = (char)r;
        switch (c)
        {
            case var _ when IsSpace(c):
                _pos--;
                return LexSpace();
            case '=':
                Emit(GoTokenKind.Assign);
                return true;
            case ':':
                if (Peek() != '=') return Error("expected :=");
                _pos++;
                Emit(GoTokenKind.Declare);
                return true;
            case '|':
                Emit(GoTokenKind.Pipe);
                return true;
            case '"':
                return LexQuote();
            case '`':
                return LexRawQuote();
            case '$':
                return LexVariable();
            case '\'':
                return LexChar();
            case '.':
                if (_pos < _input.Length && (_input[_pos] < '0' || _input[_pos] > '9')) return LexFieldOrVariable(GoTokenKind.Field);
                _pos--;
                return LexNumber();
            case '+' or '-' or (>= '0' and <= '9'):
                _pos--;
                return LexNumber();
            case '(':
                Emit(GoTokenKind.LeftParen);
                _parenDepth++;
                return true;
            case ')':
                Emit(GoTokenKind.RightParen);
                _parenDepth--;
                if (_parenDepth < 0) return Error("unexpected right paren");
                return true;
        }
        if (IsAlphaNumeric(c))
        {
            _pos--;
            return LexIdentifier();
        }
        if (c <= 0x7f && !char.IsControl(c))
        {
            Emit(GoTokenKind.Char);
            return true;
        }
        return Error($"unrecognized character in action: {GoQuote.Unicode(c)}");
    }

    private bool LexSpace()
    {
        int spaces = 0;
        while (_pos < _input.Length && IsSpace(_input[_pos]))
        {
            _pos++;
            spaces++;
        }
        // A space followed by "-}}" is a trim marker, not an argument separator.
        if (HasRightTrimMarker(_pos - 1) && StartsWith(_pos - 1 + 2, RightDelim))
        {
            _pos--;
            if (spaces == 1) return LexRightDelim(trim: true);
        }
        Emit(GoTokenKind.Space);
        return true;
    }

    private bool LexIdentifier()
    {
        while (IsAlphaNumeric(Peek())) _pos++;
        string word = _input[_start.._pos];
        if (!AtTerminator()) return Error($"bad character {GoQuote.Unicode(Peek())}");
        if (Keywords.TryGetValue(word, out var keyword) && keyword != GoTokenKind.Dot) Emit(keyword);
        else if (word is "true" or "false") Emit(GoTokenKind.Bool);
        else Emit(GoTokenKind.Identifier);
        return true;
    }

    private bool LexVariable()
    {
        if (AtTerminator())
        {
            Emit(GoTokenKind.Variable);
            return true;
        }
        return LexFieldOrVariable(GoTokenKind.Variable);
    }

    private bool LexFieldOrVariable(GoTokenKind kind)
    {
        if (AtTerminator())
        {
            Emit(kind == GoTokenKind.Variable ? GoTokenKind.Variable : GoTokenKind.Dot);
            return true;
        }
        while (IsAlphaNumeric(Peek())) _pos++;
        if (!AtTerminator()) return Error($"bad character {GoQuote.Unicode(Peek())}");
        Emit(kind);
        return true;
    }

    private bool AtTerminator()
    {
        int r = Peek();
        if (r < 0) return true;
        char c = (char)r;
        if (IsSpace(c)) return true;
        if (c is '.' or ',' or '|' or ':' or ')' or '(') return true;
        return c == RightDelim[0];
    }

    private bool LexChar()
    {
        while (true)
        {
            int r = Peek();
            _pos++;
            if (r == '\\')
            {
                int n = Peek();
                if (n >= 0 && n != '\n') { _pos++; continue; }
                return Error("unterminated character constant");
            }
            if (r < 0 || r == '\n') return Error("unterminated character constant");
            if (r == '\'') break;
        }
        Emit(GoTokenKind.CharConstant);
        return true;
    }

    private bool LexNumber()
    {
        if (!ScanNumber()) return Error($"bad number syntax: {GoQuote.Quote(_input[_start.._pos])}");
        if (Peek() is '+' or '-')
        {
            if (!ScanNumber() || _input[_pos - 1] != 'i') return Error($"bad number syntax: {GoQuote.Quote(_input[_start.._pos])}");
            return Error("complex numbers are not supported");
        }
        Emit(GoTokenKind.Number);
        return true;
    }

    private bool Accept(string valid)
    {
        int r = Peek();
        if (r >= 0 && valid.Contains((char)r)) { _pos++; return true; }
        return false;
    }

    private void AcceptRun(string valid)
    {
        while (Accept(valid)) { }
    }

    private bool ScanNumber()
    {
        Accept("+-");
        string digits = "0123456789_";
        if (Accept("0"))
        {
            if (Accept("xX")) digits = "0123456789abcdefABCDEF_";
            else if (Accept("oO")) digits = "01234567_";
            else if (Accept("bB")) digits = "01_";
        }
        AcceptRun(digits);
        if (Accept(".")) AcceptRun(digits);
        if (digits.Length == 11 && Accept("eE"))
        {
            Accept("+-");
            AcceptRun("0123456789_");
        }
        if (digits.Length == 23 && Accept("pP"))
        {
            Accept("+-");
            AcceptRun("0123456789_");
        }
        Accept("i");
        if (IsAlphaNumeric(Peek()))
        {
            _pos++;
            return false;
        }
        return true;
    }

    private bool LexQuote()
    {
        while (true)
        {
            int r = Peek();
            _pos++;
            if (r == '\\')
            {
                int n = Peek();
                if (n >= 0 && n != '\n') { _pos++; continue; }
                return Error("unterminated quoted string");
            }
            if (r < 0 || r == '\n') return Error("unterminated quoted string");
            if (r == '"') break;
        }
        Emit(GoTokenKind.String);
        return true;
    }

    private bool LexRawQuote()
    {
        int end = _input.IndexOf('`', _pos);
        if (end < 0)
        {
            _pos = _input.Length;
            return Error("unterminated raw quoted string");
        }
        _pos = end + 1;
        Emit(GoTokenKind.RawString);
        return true;
    }
}

/// <summary>Go's <c>%q</c> and <c>%#U</c> formatting, for error messages and node text.</summary>
internal static class GoQuote
{
    public static string Quote(string s)
    {
        var sb = new System.Text.StringBuilder(s.Length + 2);
        sb.Append('"');
        foreach (var rune in s.EnumerateRunes())
        {
            int c = rune.Value;
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (c < 0x20 || c == 0x7f) sb.Append("\\x").Append(c.ToString("x2", CultureInfo.InvariantCulture));
                    else if (System.Text.Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse)
                        sb.Append(c <= 0xffff ? "\\u" + c.ToString("x4", CultureInfo.InvariantCulture) : "\\U" + c.ToString("x8", CultureInfo.InvariantCulture));
                    else sb.Append(rune.ToString());
                    break;
            }
        }
        sb.Append('"');
        return sb.ToString();
    }

    /// <summary>Go's <c>%#U</c>: <c>U+0041 'A'</c>.</summary>
    public static string Unicode(int c) =>
        c < 0 ? "U+FFFFFFFFFFFFFFFF" : $"U+{c:X4}" + (char.IsControl((char)c) ? "" : $" '{(char)c}'");
}
