using System.Globalization;
using System.Text;

namespace Corral.Engine.Grammar;

/// <summary>
/// Translates a JSON Schema <c>pattern</c> (an ECMA-262 regular expression, searched in the string) into GBNF for
/// the JSON text of a matching string, in the shape llama.cpp's converter writes (<c>_visit_pattern</c>): merged
/// literals, groups kept as parentheses, <c>{m,n}</c> of a non-literal through a helper rule <c>name-N</c>, <c>.</c>
/// through a shared <c>dot</c> rule.
/// <para>
/// Deliberate differences: characters JSON must escape (<c>"</c>, <c>\</c>, control characters) are written
/// escaped, so the output is always valid JSON; an unanchored side is padded with <c>char*</c> (a pattern matches
/// anywhere) instead of being refused; <c>\d \w \s</c> and their negations, identity escapes and lazy quantifiers are
/// understood; classes and '.' leave out characters beyond U+FFFF (which JavaScript matches as two code units);
/// anything else (look-around, back-references, word boundaries, Unicode properties) is rejected.
/// </para>
/// </summary>
internal sealed class JsonSchemaPattern
{
    private const uint MaxCodePoint = 0x10FFFF;

    private readonly string _pattern;
    private readonly string _name;
    private readonly string _path;
    private readonly Func<string, string, string> _addRule;
    private readonly Func<string> _charRule;
    private readonly Dictionary<string, string> _subRules = new(StringComparer.Ordinal);
    private readonly int[] _cps;
    private int _pos;

    private JsonSchemaPattern(string pattern, string name, string path, Func<string, string, string> addRule, Func<string> charRule)
    {
        _pattern = pattern;
        _name = name;
        _path = path;
        _addRule = addRule;
        _charRule = charRule;
        var cps = new List<int>();
        for (int i = 0; i < pattern.Length; i++)
        {
            if (char.IsHighSurrogate(pattern[i]) && i + 1 < pattern.Length && char.IsLowSurrogate(pattern[i + 1]))
            {
                cps.Add(char.ConvertToUtf32(pattern[i], pattern[i + 1]));
                i++;
            }
            else
            {
                cps.Add(pattern[i]);
            }
        }
        _cps = [.. cps];
    }

    /// <summary>Adds the rule <paramref name="name"/> for strings matching <paramref name="pattern"/> and returns its name.</summary>
    public static string ToRule(string pattern, string name, string path, Func<string, string, string> addRule, Func<string> charRule)
    {
        var translator = new JsonSchemaPattern(pattern, name, path, addRule, charRule);
        var tree = translator.ParseAlternation(depth: 0);
        if (translator._pos < translator._cps.Length) throw translator.Invalid("unbalanced ')'");
        return addRule(name, "\"\\\"\" (" + translator.EmitTop(tree) + ") \"\\\"\"");
    }

    // ---- syntax tree

    private abstract record Atom;
    private sealed record CharAtom(int Cp) : Atom;
    private sealed record SetAtom(CharSet Set, string? Original = null) : Atom;
    private sealed record DotAtom : Atom;
    private sealed record GroupAtom(List<List<Term>> Alternatives) : Atom;
    private sealed record AnchorAtom(bool Start) : Atom;
    private sealed record Term(Atom Atom, int Min, int Max); // Max = GbnfText.Unbounded when unbounded; (1,1) when no quantifier

    // ---- parser

    private List<List<Term>> ParseAlternation(int depth)
    {
        if (depth > 100) throw Unsupported("groups nested too deeply");
        var alternatives = new List<List<Term>> { ParseSequence(depth) };
        while (Peek() == '|')
        {
            _pos++;
            alternatives.Add(ParseSequence(depth));
        }
        return alternatives;
    }

    private List<Term> ParseSequence(int depth)
    {
        var terms = new List<Term>();
        while (_pos < _cps.Length && Peek() != '|' && Peek() != ')')
        {
            var atom = ParseAtom(depth);
            var term = new Term(atom, 1, 1);
            if (TryParseQuantifier(out int min, out int max))
            {
                if (atom is AnchorAtom) throw Invalid("a quantifier after an anchor");
                term = new Term(atom, min, max);
                if (Peek() == '?') _pos++; // lazy: the same strings
                if (Peek() is '*' or '+' or '?' || (Peek() == '{' && LooksLikeQuantifier())) throw Invalid("nothing to repeat");
            }
            terms.Add(term);
        }
        return terms;
    }

    private Atom ParseAtom(int depth)
    {
        int c = _cps[_pos];
        switch (c)
        {
            case '(':
                _pos++;
                if (Peek() == '?')
                {
                    if (PeekAt(1) != ':') throw Unsupported(PeekAt(1) is '=' or '!' ? "look-ahead" : PeekAt(1) == '<' ? "look-behind or named groups" : "this group syntax");
                    _pos += 2;
                }
                var inner = ParseAlternation(depth + 1);
                if (Peek() != ')') throw Invalid("unbalanced '('");
                _pos++;
                return new GroupAtom(inner);
            case '[':
                int start = _pos;
                var parsed = ParseClass();
                return new SetAtom(parsed, string.Concat(_cps[start.._pos].Select(char.ConvertFromUtf32)));
            case '.':
                _pos++;
                return new DotAtom();
            case '^' or '$':
                _pos++;
                return new AnchorAtom(c == '^');
            case '*' or '+' or '?':
                throw Invalid("nothing to repeat");
            case '{' when LooksLikeQuantifier():
                throw Invalid("nothing to repeat");
            case '\\':
                _pos++;
                return ParseEscape(inClass: false) switch
                {
                    int cp => new CharAtom(cp),
                    CharSet escapeClass => new SetAtom(escapeClass),
                    _ => throw new InvalidOperationException(),
                };
            default:
                _pos++;
                return new CharAtom(c);
        }
    }

    private bool TryParseQuantifier(out int min, out int max)
    {
        min = max = 1;
        int c = Peek();
        if (c is '*' or '+' or '?')
        {
            _pos++;
            (min, max) = c == '*' ? (0, GbnfText.Unbounded) : c == '+' ? (1, GbnfText.Unbounded) : (0, 1);
            return true;
        }
        if (c != '{' || !LooksLikeQuantifier()) return false;
        _pos++;
        min = ReadNumber();
        max = min;
        if (Peek() == ',')
        {
            _pos++;
            max = Peek() == '}' ? GbnfText.Unbounded : ReadNumber();
        }
        _pos++; // '}'
        if (max < min) throw Invalid($"repetition {{{min},{max}}} has its maximum below its minimum");
        if (min > GbnfParser.MaxRepetitions || (max != GbnfText.Unbounded && max > GbnfParser.MaxRepetitions))
            throw Unsupported($"repetition counts above {GbnfParser.MaxRepetitions}");
        return true;
    }

    /// <summary>Whether a quantifier <c>{m}</c>, <c>{m,}</c> or <c>{m,n}</c> starts here; otherwise '{' is a literal, as in JavaScript.</summary>
    private bool LooksLikeQuantifier()
    {
        int i = _pos + 1;
        int digits = 0;
        while (i < _cps.Length && _cps[i] is >= '0' and <= '9') { i++; digits++; }
        if (digits == 0) return false;
        if (i < _cps.Length && _cps[i] == ',')
        {
            i++;
            while (i < _cps.Length && _cps[i] is >= '0' and <= '9') i++;
        }
        return i < _cps.Length && _cps[i] == '}';
    }

    private int ReadNumber()
    {
        int start = _pos;
        while (Peek() is >= '0' and <= '9') _pos++;
        string digits = string.Concat(_cps[start.._pos].Select(d => (char)d));
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : int.MaxValue - 1;
    }

    private CharSet ParseClass()
    {
        _pos++; // '['
        bool negated = false;
        if (Peek() == '^')
        {
            negated = true;
            _pos++;
        }
        var set = new CharSet();
        while (Peek() != ']')
        {
            if (_pos >= _cps.Length) throw Invalid("unterminated character class");
            object low = ClassAtom();
            if (Peek() == '-' && PeekAt(1) != ']' && PeekAt(1) >= 0)
            {
                _pos++;
                object high = ClassAtom();
                if (low is not int lo || high is not int hi) throw Invalid("a character class escape cannot bound a range");
                if (hi < lo) throw Invalid("character range out of order");
                AddExplicit(set, lo, hi);
            }
            else if (low is int cp)
            {
                AddExplicit(set, cp, cp);
            }
            else
            {
                set.Add(((CharSet)low).Intersect(CharSet.Bmp()));
            }
        }
        _pos++; // ']'
        return negated ? set.Complement() : set;
    }

    private void AddExplicit(CharSet set, int lo, int hi)
    {
        if (hi > 0xFFFF) throw Unsupported("characters outside the Basic Multilingual Plane in a character class");
        set.Add((uint)lo, (uint)hi);
    }

    private object ClassAtom()
    {
        int c = _cps[_pos++];
        if (c != '\\') return c;
        return ParseEscape(inClass: true);
    }

    /// <summary>After a backslash: a code point (int) or a class (<see cref="CharSet"/>).</summary>
    private object ParseEscape(bool inClass)
    {
        if (_pos >= _cps.Length) throw Invalid("trailing backslash");
        int c = _cps[_pos++];
        switch (c)
        {
            case 'd': return CharSet.Digits();
            case 'D': return CharSet.Digits().Complement();
            case 'w': return CharSet.Word();
            case 'W': return CharSet.Word().Complement();
            case 's': return CharSet.Space();
            case 'S': return CharSet.Space().Complement();
            case 't': return (int)'\t';
            case 'n': return (int)'\n';
            case 'r': return (int)'\r';
            case 'f': return (int)'\f';
            case 'v': return (int)'\v';
            case 'b' when inClass: return (int)'\b';
            case 'b' or 'B': throw Unsupported("word boundaries (\\b, \\B)");
            case '0' when Peek() is < '0' or > '9': return 0;
            case >= '1' and <= '9': throw Unsupported("back-references");
            case 'x': return Hex(2);
            case 'u':
                if (Peek() == '{') throw Unsupported("\\u{…} escapes");
                return Hex(4);
            case 'p' or 'P': throw Unsupported("Unicode property escapes");
            case 'c' or 'k': throw Unsupported($"\\{(char)c} escapes");
            default:
                if (c < 128 && char.IsAsciiLetterOrDigit((char)c)) throw Unsupported($"the escape \\{(char)c}");
                return c; // identity escape of punctuation (\. \/ \- …)
        }
    }

    private int Hex(int digits)
    {
        int value = 0;
        for (int i = 0; i < digits; i++)
        {
            int d = Peek() switch
            {
                >= '0' and <= '9' => Peek() - '0',
                >= 'a' and <= 'f' => Peek() - 'a' + 10,
                >= 'A' and <= 'F' => Peek() - 'A' + 10,
                _ => throw Invalid($"expecting {digits} hex digits"),
            };
            value = value * 16 + d;
            _pos++;
        }
        return value;
    }

    private int Peek() => _pos < _cps.Length ? _cps[_pos] : -1;

    private int PeekAt(int offset) => _pos + offset < _cps.Length ? _cps[_pos + offset] : -1;

    // ---- emission

    /// <summary>
    /// The top level: a pattern is searched anywhere in the string, so each alternative that does not start with
    /// <c>^</c> (end with <c>$</c>) gets any characters before (after) it.
    /// </summary>
    private string EmitTop(List<List<Term>> alternatives)
    {
        var parts = new List<string>();
        foreach (var seq in alternatives)
        {
            var body = new List<Term>(seq);
            bool start = body.Count > 0 && body[0].Atom is AnchorAtom { Start: true };
            if (start) body.RemoveAt(0);
            bool end = body.Count > 0 && body[^1].Atom is AnchorAtom { Start: false };
            if (end) body.RemoveAt(body.Count - 1);
            string text = EmitSequence(body);
            if (!start) text = Join(_charRule() + "*", text);
            if (!end) text = Join(text, _charRule() + "*");
            parts.Add(text);
        }
        return string.Join(" | ", parts);

        static string Join(string a, string b) => a.Length == 0 ? b : b.Length == 0 ? a : a + " " + b;
    }

    private string EmitAlternation(List<List<Term>> alternatives) => string.Join(" | ", alternatives.Select(EmitSequence));

    private string EmitSequence(List<Term> terms)
    {
        // Consecutive unquantified characters merge into one literal.
        var items = new List<string>();
        var literal = new StringBuilder();
        foreach (var term in terms)
        {
            if (term.Atom is CharAtom ch && term.Min == 1 && term.Max == 1)
            {
                literal.Append(LiteralContent(ch.Cp));
                continue;
            }
            if (literal.Length > 0)
            {
                items.Add("\"" + literal + "\"");
                literal.Clear();
            }
            items.Add(EmitTerm(term));
        }
        if (literal.Length > 0) items.Add("\"" + literal + "\"");
        return string.Join(" ", items);
    }

    private string EmitTerm(Term term)
    {
        string text;
        bool isLiteral = false;
        switch (term.Atom)
        {
            case CharAtom ch:
                if (ch.Cp > 0xFFFF) throw Unsupported("a quantifier on a character outside the Basic Multilingual Plane");
                text = "\"" + LiteralContent(ch.Cp) + "\"";
                isLiteral = true;
                break;
            case SetAtom set:
                text = SetText(set.Set.Intersect(CharSet.Bmp()), asRuleBody: false, set.Original);
                break;
            case DotAtom:
                text = _addRule("dot", SetText(CharSet.Dot().Intersect(CharSet.Bmp()), asRuleBody: true));
                break;
            case GroupAtom group:
                text = "(" + EmitAlternation(group.Alternatives) + ")";
                break;
            default:
                throw Unsupported("'^' or '$' inside the pattern");
        }
        if (term.Min == 1 && term.Max == 1) return text;
        bool simple = (term.Min, term.Max) is (0, GbnfText.Unbounded) or (1, GbnfText.Unbounded) or (0, 1);
        if (simple) return text + (term.Min == 1 ? "+" : term.Max == 1 ? "?" : "*");
        if (!isLiteral)
        {
            if (!_subRules.TryGetValue(text, out string? sub))
            {
                _subRules[text] = "";
                sub = _addRule(_name + "-" + _subRules.Count.ToString(CultureInfo.InvariantCulture), text);
                _subRules[text] = sub;
            }
            text = sub;
        }
        return GbnfText.Repetition(text, term.Min, term.Max);
    }

    /// <summary>GBNF literal content writing code point <paramref name="cp"/> as JSON string content.</summary>
    private static string LiteralContent(int cp)
    {
        string json = cp switch
        {
            '"' => "\\\"",
            '\\' => @"\\",
            '\b' => @"\b",
            '\f' => @"\f",
            '\n' => @"\n",
            '\r' => @"\r",
            '\t' => @"\t",
            < 0x20 => @"\u" + cp.ToString("x4", CultureInfo.InvariantCulture),
            _ => char.ConvertFromUtf32(cp),
        };
        return json.Replace(@"\", @"\\").Replace("\"", "\\\"");
    }

    /// <summary>
    /// GBNF for one code point of <paramref name="set"/> written as JSON string content: a character class for
    /// the characters JSON writes as they are, alternatives for the escaped ones.
    /// </summary>
    private string SetText(CharSet set, bool asRuleBody, string? original = null)
    {
        var plain = set.Intersect(CharSet.JsonPlain());
        var alternatives = new List<string>();
        // llama.cpp copies a class as written; keep that where regex and GBNF read it alike and JSON needs no escapes.
        bool verbatim = original != null && !original.Contains('\\') && plain.Ranges.SequenceEqual(set.Ranges);
        if (verbatim) alternatives.Add(original!);
        else if (!plain.IsEmpty) alternatives.Add(ClassText(plain));

        var shortEscapes = new StringBuilder();
        if (set.Contains('"')) shortEscapes.Append('"');
        if (set.Contains('\\')) shortEscapes.Append(@"\\");
        foreach (var (cp, letter) in new[] { ('\b', 'b'), ('\f', 'f'), ('\n', 'n'), ('\r', 'r'), ('\t', 't') })
        {
            if (set.Contains(cp)) shortEscapes.Append(letter);
        }
        if (shortEscapes.Length > 0) alternatives.Add("\"\\\\\" [" + shortEscapes + "]");
        for (int high = 0; high < 2; high++)
        {
            var lowDigits = new StringBuilder();
            for (int low = 0; low < 16; low++)
            {
                int cp = high * 16 + low;
                if (cp is '\b' or '\f' or '\n' or '\r' or '\t' || !set.Contains((uint)cp)) continue;
                lowDigits.Append(low < 10 ? (char)('0' + low) : (char)('a' + low - 10));
                if (low >= 10) lowDigits.Append((char)('A' + low - 10));
            }
            if (lowDigits.Length > 0) alternatives.Add($"\"\\\\u00{high}\" [{lowDigits}]");
        }
        if (alternatives.Count == 0) throw Unsupported("a character class that matches nothing");
        if (alternatives.Count == 1 || asRuleBody) return string.Join(" | ", alternatives);
        return "(" + string.Join(" | ", alternatives) + ")";
    }

    /// <summary>A GBNF character class for a set without JSON-special characters, negated when that is shorter.</summary>
    private static string ClassText(CharSet set)
    {
        var complement = set.Complement();
        bool negate = complement.Ranges.Count <= set.Ranges.Count;
        var sb = new StringBuilder(negate ? "[^" : "[");
        foreach (var (lo, hi) in negate ? complement.Ranges : set.Ranges)
        {
            AppendClassChar(sb, lo);
            if (hi == lo) continue;
            if (hi > lo + 1) sb.Append('-');
            AppendClassChar(sb, hi);
        }
        return sb.Append(']').ToString();
    }

    private static void AppendClassChar(StringBuilder sb, uint cp)
    {
        switch (cp)
        {
            case '\\': sb.Append(@"\\"); return;
            case ']': sb.Append(@"\]"); return;
            case '-': sb.Append(@"\-"); return;
            case '^': sb.Append(@"\x5E"); return;
            case '"': sb.Append("\\\""); return;
        }
        if (cp is >= 0x20 and < 0x7F) sb.Append((char)cp);
        else if (cp < 0x100) sb.Append(@"\x").Append(cp.ToString("X2", CultureInfo.InvariantCulture));
        else if (cp < 0x10000) sb.Append(@"\u").Append(cp.ToString("X4", CultureInfo.InvariantCulture));
        else sb.Append(@"\U").Append(cp.ToString("X8", CultureInfo.InvariantCulture));
    }

    private JsonSchemaConversionException Unsupported(string what) =>
        new(_path, "pattern", $"pattern {Quote(_pattern)} uses {what}, which the grammar converter does not support");

    private JsonSchemaConversionException Invalid(string what) =>
        new(_path, "pattern", $"pattern {Quote(_pattern)} is not a valid regular expression: {what}");

    private static string Quote(string s) => "'" + s + "'";

    /// <summary>A set of code points as sorted, disjoint, non-adjacent inclusive ranges.</summary>
    private sealed class CharSet
    {
        public List<(uint Lo, uint Hi)> Ranges { get; private set; } = [];

        public bool IsEmpty => Ranges.Count == 0;

        public static CharSet Of(params (uint, uint)[] ranges)
        {
            var s = new CharSet();
            foreach (var (lo, hi) in ranges) s.Add(lo, hi);
            return s;
        }

        public static CharSet Digits() => Of(('0', '9'));

        public static CharSet Word() => Of(('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z'));

        /// <summary>ECMA-262 WhiteSpace and LineTerminator.</summary>
        public static CharSet Space() => Of(('\t', '\r'), (' ', ' '), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
            (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF));

        /// <summary>'.': anything but a line terminator.</summary>
        public static CharSet Dot() => Of(('\n', '\n'), ('\r', '\r'), (0x2028, 0x2029)).Complement();

        /// <summary>
        /// The code points a JavaScript regular expression (without the u flag) matches with one class or '.':
        /// UTF-16 code units, so characters beyond U+FFFF, which take two, are left out.
        /// </summary>
        public static CharSet Bmp() => Of((0, 0xD7FF), (0xE000, 0xFFFF));

        /// <summary>Characters a JSON string holds without escaping (and not DEL, like llama.cpp's <c>char</c>).</summary>
        public static CharSet JsonPlain() => Of(('"', '"'), ('\\', '\\'), (0, 0x1F), (0x7F, 0x7F)).Complement();

        public void Add(uint lo, uint hi)
        {
            Ranges.Add((lo, hi));
            Normalize();
        }

        public void Add(CharSet other)
        {
            Ranges.AddRange(other.Ranges);
            Normalize();
        }

        public bool Contains(uint cp) => Ranges.Any(r => r.Lo <= cp && cp <= r.Hi);

        public CharSet Complement()
        {
            var result = new CharSet();
            uint next = 0;
            foreach (var (lo, hi) in Ranges)
            {
                if (lo > next) result.Ranges.Add((next, lo - 1));
                next = hi + 1;
            }
            if (next <= MaxCodePoint) result.Ranges.Add((next, MaxCodePoint));
            return result;
        }

        public CharSet Intersect(CharSet other) => Complement().Union(other.Complement()).Complement();

        private CharSet Union(CharSet other)
        {
            var result = new CharSet();
            result.Ranges.AddRange(Ranges);
            result.Ranges.AddRange(other.Ranges);
            result.Normalize();
            return result;
        }

        private void Normalize()
        {
            Ranges.Sort();
            var merged = new List<(uint Lo, uint Hi)>();
            foreach (var r in Ranges)
            {
                if (merged.Count > 0 && r.Lo <= merged[^1].Hi + 1)
                    merged[^1] = (merged[^1].Lo, Math.Max(merged[^1].Hi, r.Hi));
                else
                    merged.Add(r);
            }
            Ranges = merged;
        }
    }
}
