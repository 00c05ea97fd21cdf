using System.Globalization;
using System.Text;

namespace Corral.Templates.Jinja.Syntax;

/// <summary>
/// Splits template source into tokens the way Jinja2's lexer does with Hugging Face's settings:
/// newlines normalized to <c>\n</c>, one trailing newline dropped, <c>trim_blocks</c>, <c>lstrip_blocks</c>,
/// <c>-</c>/<c>+</c> whitespace control, comments, and <c>{% raw %}</c> blocks.
/// </summary>
internal sealed class JinjaLexer
{
    private static readonly string[] Operators2 = ["//", "**", "==", "!=", ">=", "<="];
    private const string Operators1 = "+-/*%~[](){}><=.:|,;";

    private readonly string _src;
    private readonly bool _trimBlocks;
    private readonly bool _lstripBlocks;
    private readonly List<Token> _tokens = new();
    private int _pos;
    private int _line = 1;

    private JinjaLexer(string source, JinjaOptions options)
    {
        _src = Normalize(source, options.KeepTrailingNewline);
        _trimBlocks = options.TrimBlocks;
        _lstripBlocks = options.LstripBlocks;
    }

    public static List<Token> Tokenize(string source, JinjaOptions options)
    {
        var lexer = new JinjaLexer(source, options);
        lexer.Run();
        return lexer._tokens;
    }

    private static string Normalize(string source, bool keepTrailingNewline)
    {
        string s = source.Contains('\r') ? source.Replace("\r\n", "\n").Replace('\r', '\n') : source;
        if (!keepTrailingNewline && s.EndsWith('\n')) s = s[..^1];
        return s;
    }

    private void Run()
    {
        bool lineStarting = true;
        while (_pos < _src.Length)
        {
            int tag = FindTagStart(_pos);
            if (tag < 0)
            {
                EmitData(_src[_pos..]);
                _pos = _src.Length;
                break;
            }

            char kind = _src[tag + 1]; // '{', '%' or '#'
            char modifier = tag + 2 < _src.Length ? _src[tag + 2] : '\0';
            string text = _src[_pos..tag];

            if (kind == '%' && TryMatchRaw(tag, out int rawBodyStart, out bool rawStripBefore))
            {
                text = ApplyLeftStrip(text, rawStripBefore ? '-' : modifier, isBlockOrComment: true, lineStarting);
                EmitData(text);
                _pos = tag;
                AdvanceLines(tag);
                LexRaw(rawBodyStart);
                lineStarting = _pos > 0 && _src[_pos - 1] == '\n';
                continue;
            }

            text = ApplyLeftStrip(text, modifier, isBlockOrComment: kind != '{', lineStarting);
            EmitData(text);
            AdvanceLines(tag);
            _pos = tag + 2;
            if (modifier is '-' or '+') _pos++;

            if (kind == '#')
            {
                SkipComment(tag);
            }
            else
            {
                _tokens.Add(new Token(kind == '{' ? TokenKind.VariableBegin : TokenKind.BlockBegin, "", _line));
                LexTagBody(kind == '{' ? "}}" : "%}", kind == '%');
            }
            lineStarting = _pos > 0 && _src[_pos - 1] == '\n';
        }
        _tokens.Add(new Token(TokenKind.End, "", _line));
    }

    private int FindTagStart(int from)
    {
        int i = from;
        while (true)
        {
            i = _src.IndexOf('{', i);
            if (i < 0 || i + 1 >= _src.Length) return -1;
            char next = _src[i + 1];
            if (next is '{' or '%' or '#') return i;
            i++;
        }
    }

    /// <summary>Applies <c>{%-</c>/<c>{{-</c> stripping or the lstrip_blocks rule to the text before a tag.</summary>
    private string ApplyLeftStrip(string text, char modifier, bool isBlockOrComment, bool lineStarting)
    {
        if (modifier == '-') return text.TrimEnd();
        if (!_lstripBlocks || !isBlockOrComment || modifier == '+') return text;
        int lineStart = text.LastIndexOf('\n') + 1;
        if (lineStart == 0 && !lineStarting) return text;
        // Jinja2 requires at least one whitespace character there (its regex is \s+).
        if (lineStart == text.Length) return text;
        for (int i = lineStart; i < text.Length; i++)
            if (!char.IsWhiteSpace(text[i])) return text;
        return text[..lineStart];
    }

    private void EmitData(string text)
    {
        if (text.Length == 0) return;
        _tokens.Add(new Token(TokenKind.Data, text, _line));
    }

    private void AdvanceLines(int upTo)
    {
        for (int i = _pos; i < upTo; i++)
            if (_src[i] == '\n') _line++;
    }

    private void SkipComment(int tagStart)
    {
        int startLine = _line;
        int end = _src.IndexOf("#}", _pos, StringComparison.Ordinal);
        if (end < 0) throw Errors.Syntax("Missing end of comment tag", startLine);
        bool stripAfter = end > _pos && _src[end - 1] == '-';
        bool keepNewline = end > _pos && _src[end - 1] == '+';
        CountLines(_pos, end + 2);
        _pos = end + 2;
        FinishTag(stripAfter, keepNewline);
    }

    /// <summary>After a block/comment end: <c>-%}</c> eats all whitespace, otherwise trim_blocks eats one newline.</summary>
    private void FinishTag(bool stripAfter, bool keepNewline, bool trimNewline = true)
    {
        if (stripAfter)
        {
            int p = _pos;
            while (p < _src.Length && char.IsWhiteSpace(_src[p])) p++;
            CountLines(_pos, p);
            _pos = p;
        }
        else if (trimNewline && _trimBlocks && !keepNewline && _pos < _src.Length && _src[_pos] == '\n')
        {
            _pos++;
            _line++;
        }
    }

    private void CountLines(int from, int to)
    {
        for (int i = from; i < to; i++)
            if (_src[i] == '\n') _line++;
    }

    private void LexTagBody(string endMarker, bool isBlock)
    {
        int tagLine = _line;
        var balance = new Stack<char>();
        bool afterDot = false;
        while (true)
        {
            while (_pos < _src.Length && char.IsWhiteSpace(_src[_pos]))
            {
                if (_src[_pos] == '\n') _line++;
                _pos++;
            }
            if (_pos >= _src.Length)
                throw Errors.Syntax(isBlock ? "Unexpected end of template, expected end of statement block ('%}')" : "Unexpected end of template, expected end of print statement ('}}')", tagLine);

            if (balance.Count == 0 && TryEndTag(endMarker, isBlock)) return;

            char c = _src[_pos];
            int line = _line;
            if (c is '"' or '\'')
            {
                _tokens.Add(new Token(TokenKind.String, ReadString(c), line));
                afterDot = false;
                continue;
            }
            if (char.IsAsciiDigit(c))
            {
                _tokens.Add(ReadNumber(allowFloat: !afterDot));
                afterDot = false;
                continue;
            }
            if (c == '_' || char.IsLetter(c))
            {
                int start = _pos;
                while (_pos < _src.Length && (_src[_pos] == '_' || char.IsLetterOrDigit(_src[_pos]))) _pos++;
                _tokens.Add(new Token(TokenKind.Name, _src[start.._pos], line));
                afterDot = false;
                continue;
            }
            string? op = null;
            if (_pos + 1 < _src.Length)
            {
                foreach (var candidate in Operators2)
                    if (string.CompareOrdinal(_src, _pos, candidate, 0, 2) == 0) { op = candidate; break; }
            }
            if (op == null && Operators1.Contains(c)) op = c.ToString();
            if (op == null) throw UnexpectedChar(_pos, line);
            _pos += op.Length;
            _tokens.Add(new Token(TokenKind.Operator, op, line));
            afterDot = op == ".";
            if (op is "(" or "[" or "{") balance.Push(op[0]);
            else if (op is ")" or "]" or "}")
            {
                char expected = op == ")" ? '(' : op == "]" ? '[' : '{';
                if (balance.Count == 0) throw Errors.Syntax($"unexpected '{op}'", line);
                char open = balance.Pop();
                if (open != expected)
                    throw Errors.Syntax($"unexpected '{op}', expected '{(open == '(' ? ')' : open == '[' ? ']' : '}')}'", line);
            }
        }
    }

    private bool TryEndTag(string endMarker, bool isBlock)
    {
        // "-%}" / "-}}" strips following whitespace; "+%}" keeps the newline trim_blocks would eat.
        char first = _src[_pos];
        int markerAt = first is '-' or '+' ? _pos + 1 : _pos;
        if (markerAt + 2 > _src.Length || string.CompareOrdinal(_src, markerAt, endMarker, 0, 2) != 0) return false;
        if (first == '+' && !isBlock) return false;
        _tokens.Add(new Token(isBlock ? TokenKind.BlockEnd : TokenKind.VariableEnd, "", _line));
        _pos = markerAt + 2;
        FinishTag(first == '-', first == '+', trimNewline: isBlock);
        return true;
    }

    private Token ReadNumber(bool allowFloat)
    {
        int line = _line;
        int start = _pos;
        if (_src[_pos] == '0' && _pos + 1 < _src.Length && _src[_pos + 1] is 'x' or 'X' or 'o' or 'O' or 'b' or 'B')
        {
            char radixChar = char.ToLowerInvariant(_src[_pos + 1]);
            int radix = radixChar == 'x' ? 16 : radixChar == 'o' ? 8 : 2;
            _pos += 2;
            int digitsStart = _pos;
            while (_pos < _src.Length && (char.IsAsciiHexDigit(_src[_pos]) || _src[_pos] == '_')) _pos++;
            string digits = _src[digitsStart.._pos].Replace("_", "");
            long value = 0;
            foreach (char d in digits)
            {
                int dv = Convert.ToInt32(d.ToString(), 16);
                if (dv >= radix) throw Errors.Syntax($"invalid digit '{d}' in number", line);
                value = checked(value * radix + dv);
            }
            return new Token(TokenKind.Integer, value.ToString(CultureInfo.InvariantCulture), line);
        }
        SkipDigits();
        bool isFloat = false;
        if (allowFloat && _pos + 1 < _src.Length && _src[_pos] == '.' && char.IsAsciiDigit(_src[_pos + 1]))
        {
            isFloat = true;
            _pos++;
            SkipDigits();
        }
        if (allowFloat && _pos < _src.Length && _src[_pos] is 'e' or 'E')
        {
            int save = _pos;
            _pos++;
            if (_pos < _src.Length && _src[_pos] is '+' or '-') _pos++;
            if (_pos < _src.Length && char.IsAsciiDigit(_src[_pos]))
            {
                SkipDigits();
                isFloat = true;
            }
            else _pos = save;
        }
        string text = _src[start.._pos].Replace("_", "");
        return new Token(isFloat ? TokenKind.Float : TokenKind.Integer, text, line);

        void SkipDigits()
        {
            while (_pos < _src.Length && (char.IsAsciiDigit(_src[_pos]) || (_src[_pos] == '_' && _pos + 1 < _src.Length && char.IsAsciiDigit(_src[_pos + 1])))) _pos++;
        }
    }

    private JinjaException UnexpectedChar(int position, int line) =>
        Errors.Syntax($"unexpected char {PyFormat.Repr(_src[position].ToString())} at {position}", line);

    /// <summary>Reads a quoted string and decodes Python escapes (unknown escapes stay as written).</summary>
    private string ReadString(char quote)
    {
        int line = _line;
        int quotePosition = _pos;
        var sb = new StringBuilder();
        _pos++;
        while (true)
        {
            if (_pos >= _src.Length) throw UnexpectedChar(quotePosition, line);
            char c = _src[_pos++];
            if (c == quote) return sb.ToString();
            if (c == '\n') _line++;
            if (c != '\\') { sb.Append(c); continue; }
            if (_pos >= _src.Length) throw UnexpectedChar(quotePosition, line);
            char e = _src[_pos++];
            switch (e)
            {
                case '\n': _line++; break; // line continuation
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case 'x': sb.Append(ReadHexEscape(2, line)); break;
                case 'u': sb.Append(ReadHexEscape(4, line)); break;
                case 'U': sb.Append(ReadHexEscape(8, line)); break;
                case >= '0' and <= '7':
                {
                    int value = e - '0';
                    for (int k = 0; k < 2 && _pos < _src.Length && _src[_pos] is >= '0' and <= '7'; k++)
                        value = value * 8 + (_src[_pos++] - '0');
                    sb.Append((char)value);
                    break;
                }
                default: sb.Append('\\').Append(e); break;
            }
        }
    }

    private string ReadHexEscape(int digits, int line)
    {
        if (_pos + digits > _src.Length) throw Errors.Syntax("truncated \\x/\\u escape in string", line);
        string hex = _src.Substring(_pos, digits);
        if (!int.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int cp) || cp > 0x10FFFF)
            throw Errors.Syntax($"invalid escape '\\{hex}' in string", line);
        _pos += digits;
        return char.ConvertFromUtf32(cp is >= 0xD800 and <= 0xDFFF ? 0xFFFD : cp);
    }

    /// <summary>Recognizes <c>{% raw %}</c> (with optional whitespace control) at <paramref name="tag"/>.</summary>
    private bool TryMatchRaw(int tag, out int bodyStart, out bool stripBefore)
    {
        bodyStart = 0;
        int p = tag + 2;
        stripBefore = p < _src.Length && _src[p] == '-';
        if (p < _src.Length && _src[p] is '-' or '+') p++;
        while (p < _src.Length && char.IsWhiteSpace(_src[p])) p++;
        if (string.CompareOrdinal(_src, p, "raw", 0, 3) != 0) return false;
        p += 3;
        if (p < _src.Length && (char.IsLetterOrDigit(_src[p]) || _src[p] == '_')) return false;
        while (p < _src.Length && char.IsWhiteSpace(_src[p])) p++;
        bool stripAfter = false;
        if (p < _src.Length && _src[p] is '-' or '+') { stripAfter = _src[p] == '-'; p++; }
        if (string.CompareOrdinal(_src, p, "%}", 0, 2) != 0) return false;
        p += 2;
        // Unlike other block ends, Jinja2 applies no trim_blocks newline removal after "raw %}".
        if (stripAfter) while (p < _src.Length && char.IsWhiteSpace(_src[p])) p++;
        bodyStart = p;
        return true;
    }

    private void LexRaw(int bodyStart)
    {
        int startLine = _line;
        int search = bodyStart;
        while (true)
        {
            int open = _src.IndexOf("{%", search, StringComparison.Ordinal);
            if (open < 0) throw Errors.Syntax("Missing end of raw directive", startLine);
            int p = open + 2;
            bool stripBefore = p < _src.Length && _src[p] == '-';
            if (p < _src.Length && _src[p] is '-' or '+') p++;
            while (p < _src.Length && char.IsWhiteSpace(_src[p])) p++;
            if (string.CompareOrdinal(_src, p, "endraw", 0, 6) == 0)
            {
                p += 6;
                while (p < _src.Length && char.IsWhiteSpace(_src[p])) p++;
                bool stripAfter = false, keep = false;
                if (p < _src.Length && _src[p] is '-' or '+') { stripAfter = _src[p] == '-'; keep = _src[p] == '+'; p++; }
                if (string.CompareOrdinal(_src, p, "%}", 0, 2) == 0)
                {
                    string body = _src[bodyStart..open];
                    if (stripBefore) body = body.TrimEnd();
                    else if (_lstripBlocks) body = ApplyLeftStrip(body, '\0', true, false);
                    CountLines(_pos, bodyStart);
                    EmitData(body);
                    CountLines(bodyStart, p + 2);
                    _pos = p + 2;
                    FinishTag(stripAfter, keep);
                    return;
                }
            }
            search = open + 2;
        }
    }
}
