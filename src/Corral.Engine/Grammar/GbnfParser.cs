using System.Globalization;

namespace Corral.Engine.Grammar;

/// <summary>
/// Recursive-descent parser for GBNF with llama.cpp's grammar (<c>src/llama-grammar.cpp</c>): the same rule and
/// element model, the same rewriting of repetitions into helper rules named <c>rule_N</c>, the same whitespace and
/// newline rules. Errors carry the line and column of the offending text.
/// </summary>
internal sealed class GbnfParser
{
    /// <summary>llama.cpp's cap on repetition counts and on the copies nested repetitions expand to.</summary>
    internal const int MaxRepetitions = 2000;

    private readonly string _src;
    private readonly Dictionary<string, int> _symbolIds = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];
    private readonly List<List<GrammarElement>?> _rules = [];
    private readonly List<int> _firstReference = [];
    private readonly List<string> _tokenTexts = [];

    private GbnfParser(string src) => _src = src;

    public static GbnfGrammar Parse(string text, string rootRule)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(rootRule);
        var parser = new GbnfParser(text);
        return parser.ParseGrammar(rootRule);
    }

    private GbnfGrammar ParseGrammar(string rootRule)
    {
        int nul = _src.IndexOf('\0');
        if (nul >= 0) throw Error("NUL character in grammar text", nul);

        int pos = ParseSpace(0, newlineOk: true);
        while (pos < _src.Length) pos = ParseRule(pos);

        if (_names.Count == 0) throw Error("the grammar is empty", 0);
        for (int id = 0; id < _names.Count; id++)
        {
            if (_rules[id] == null) throw Error($"undefined rule '{_names[id]}'", _firstReference[id]);
        }
        if (!_symbolIds.TryGetValue(rootRule, out int rootId))
            throw Error($"the grammar has no '{rootRule}' rule", 0);

        var rules = new GrammarElement[_rules.Count][];
        for (int i = 0; i < rules.Length; i++) rules[i] = [.. _rules[i]!];

        if (LeftRecursionDetector.FindLeftRecursiveRule(rules) is int recursive)
            throw Error($"rule '{_names[recursive]}' is left-recursive (it can reach itself without consuming input)", RuleDefinitionPosition(_names[recursive]));

        return new GbnfGrammar(rules, [.. _names], [.. _tokenTexts], rootId);
    }

    // ---- rules and sequences

    private int ParseRule(int pos)
    {
        int nameEnd = ParseName(pos, "expecting a rule name");
        string name = _src[pos..nameEnd];
        int id = GetSymbolId(name, referencePos: -1);
        pos = ParseSpace(nameEnd, newlineOk: false);
        if (string.CompareOrdinal(_src, pos, "::=", 0, 3) != 0)
            throw Error($"expecting '::=' after rule name '{name}'", pos);
        pos = ParseSpace(pos + 3, newlineOk: true);
        pos = ParseAlternates(pos, name, id, nested: false);

        if (At(pos) == '\r') pos += At(pos + 1) == '\n' ? 2 : 1;
        else if (At(pos) == '\n') pos++;
        else if (pos < _src.Length) throw Error($"unexpected '{Describe(pos)}' (expecting a newline or the end of the grammar)", pos);
        return ParseSpace(pos, newlineOk: true);
    }

    private int ParseAlternates(int pos, string ruleName, int ruleId, bool nested)
    {
        var rule = new List<GrammarElement>();
        pos = ParseSequence(pos, ruleName, rule, nested);
        while (At(pos) == '|')
        {
            rule.Add(new(GrammarElementType.Alt, 0));
            pos = ParseSpace(pos + 1, newlineOk: true);
            pos = ParseSequence(pos, ruleName, rule, nested);
        }
        rule.Add(new(GrammarElementType.End, 0));
        _rules[ruleId] = rule; // a later definition of the same name replaces an earlier one, as in llama.cpp
        return pos;
    }

    private int ParseSequence(int pos, string ruleName, List<GrammarElement> rule, bool nested)
    {
        int lastSymStart = rule.Count;
        long copiesOfLast = 1;

        while (pos < _src.Length)
        {
            char c = _src[pos];
            if (c == '"')
            {
                int start = pos++;
                lastSymStart = rule.Count;
                copiesOfLast = 1;
                while (At(pos) != '"')
                {
                    if (pos >= _src.Length) throw Error("unterminated string literal", start);
                    rule.Add(new(GrammarElementType.Char, ParseChar(ref pos)));
                }
                pos = ParseSpace(pos + 1, nested);
            }
            else if (c == '[')
            {
                int start = pos++;
                var startType = GrammarElementType.Char;
                if (At(pos) == '^')
                {
                    pos++;
                    startType = GrammarElementType.CharNot;
                }
                lastSymStart = rule.Count;
                copiesOfLast = 1;
                while (At(pos) != ']')
                {
                    if (pos >= _src.Length) throw Error("unterminated character class", start);
                    int loPos = pos;
                    uint lo = ParseChar(ref pos);
                    rule.Add(new(lastSymStart < rule.Count ? GrammarElementType.CharAlt : startType, lo));
                    if (At(pos) == '-' && At(pos + 1) != ']')
                    {
                        if (pos + 1 >= _src.Length) throw Error("unterminated character class", start);
                        pos++;
                        uint hi = ParseChar(ref pos);
                        if (hi < lo) throw Error($"character range {FormatCodePoint(lo)}-{FormatCodePoint(hi)} is reversed", loPos);
                        rule.Add(new(GrammarElementType.CharRangeUpper, hi));
                    }
                }
                if (lastSymStart == rule.Count) throw Error("empty character class", start);
                pos = ParseSpace(pos + 1, nested);
            }
            else if (c == '<' || c == '!')
            {
                bool negated = c == '!';
                if (negated)
                {
                    pos++;
                    if (At(pos) != '<') throw Error("expecting '<' after '!' (a negated token terminal looks like !<[id]> or !<text>)", pos);
                }
                lastSymStart = rule.Count;
                copiesOfLast = 1;
                pos = ParseToken(pos, negated, rule);
                pos = ParseSpace(pos, nested);
            }
            else if (IsWordChar(c))
            {
                int nameEnd = ParseName(pos, "expecting a rule name");
                int refId = GetSymbolId(_src[pos..nameEnd], pos);
                pos = ParseSpace(nameEnd, nested);
                lastSymStart = rule.Count;
                copiesOfLast = 1;
                rule.Add(new(GrammarElementType.RuleRef, (uint)refId));
            }
            else if (c == '(')
            {
                int open = pos;
                pos = ParseSpace(pos + 1, newlineOk: true);
                int symbolsBefore = _names.Count;
                int subId = GenerateSymbolId(ruleName);
                pos = ParseAlternates(pos, ruleName, subId, nested: true);
                copiesOfLast = Math.Max(1, _names.Count - symbolsBefore);
                lastSymStart = rule.Count;
                rule.Add(new(GrammarElementType.RuleRef, (uint)subId));
                if (At(pos) != ')') throw Error(pos < _src.Length ? $"unexpected '{Describe(pos)}' (expecting ')' to close the group opened at column {Column(open)})" : "unterminated group: expecting ')'", pos < _src.Length ? pos : open);
                pos = ParseSpace(pos + 1, nested);
            }
            else if (c == '.')
            {
                lastSymStart = rule.Count;
                copiesOfLast = 1;
                rule.Add(new(GrammarElementType.CharAny, 0));
                pos = ParseSpace(pos + 1, nested);
            }
            else if (c is '*' or '+' or '?')
            {
                int opPos = pos;
                pos = ParseSpace(pos + 1, nested);
                (int min, int max) = c switch { '*' => (0, -1), '+' => (1, -1), _ => (0, 1) };
                ApplyRepetition(rule, ruleName, lastSymStart, ref copiesOfLast, min, max, opPos);
            }
            else if (c == '{')
            {
                int opPos = pos;
                pos = ParseSpace(pos + 1, nested);
                int min = ParseCount(ref pos);
                pos = ParseSpace(pos, nested);
                int max;
                if (At(pos) == '}')
                {
                    max = min;
                    pos = ParseSpace(pos + 1, nested);
                }
                else if (At(pos) == ',')
                {
                    pos = ParseSpace(pos + 1, nested);
                    max = -1;
                    if (IsDigit(At(pos)))
                    {
                        max = ParseCount(ref pos);
                        pos = ParseSpace(pos, nested);
                    }
                    if (At(pos) != '}') throw Error("expecting '}' to close the repetition count", pos);
                    pos = ParseSpace(pos + 1, nested);
                }
                else
                {
                    throw Error("expecting ',' or '}' in the repetition count", pos);
                }
                if (max >= 0 && max < min) throw Error($"repetition {{{min},{max}}} has its maximum below its minimum", opPos);
                ApplyRepetition(rule, ruleName, lastSymStart, ref copiesOfLast, min, max, opPos);
            }
            else
            {
                break;
            }
        }
        return pos;
    }

    /// <summary>
    /// Rewrites the last item S of <paramref name="rule"/> into llama.cpp's helper rules:
    /// S{m,n} → S…S (m times) S'(n−m) with S'(x) ::= S S'(x−1) | ; S{m,} → S…S S' with S' ::= S S' | .
    /// </summary>
    private void ApplyRepetition(List<GrammarElement> rule, string ruleName, int lastSymStart, ref long copiesOfLast, int min, int max, int opPos)
    {
        if (lastSymStart == rule.Count) throw Error($"'{_src[opPos]}' has nothing before it to repeat", opPos);
        bool unbounded = max < 0;
        if (min > MaxRepetitions || (!unbounded && max > MaxRepetitions))
            throw Error($"repetition count {(min > MaxRepetitions ? min : max)} exceeds the limit of {MaxRepetitions}", opPos);

        long totalCopies = !unbounded && max > 0 ? max : min > 0 ? min : 1;
        if (copiesOfLast * totalCopies >= MaxRepetitions)
            throw Error($"nested repetitions expand to {copiesOfLast * totalCopies} copies, more than the limit of {MaxRepetitions}", opPos);

        var item = rule.GetRange(lastSymStart, rule.Count - lastSymStart);
        if (min == 0) rule.RemoveRange(lastSymStart, rule.Count - lastSymStart);
        else for (int i = 1; i < min; i++) rule.AddRange(item);

        int optionalCount = unbounded ? 1 : max - min;
        int lastHelper = 0;
        for (int i = 0; i < optionalCount; i++)
        {
            int helper = GenerateSymbolId(ruleName);
            var body = new List<GrammarElement>(item.Count + 3);
            body.AddRange(item);
            if (i > 0 || unbounded) body.Add(new(GrammarElementType.RuleRef, (uint)(unbounded ? helper : lastHelper)));
            body.Add(new(GrammarElementType.Alt, 0));
            body.Add(new(GrammarElementType.End, 0));
            _rules[helper] = body;
            lastHelper = helper;
        }
        if (optionalCount > 0) rule.Add(new(GrammarElementType.RuleRef, (uint)lastHelper));
        copiesOfLast *= totalCopies;
    }

    private int ParseToken(int pos, bool negated, List<GrammarElement> rule)
    {
        int start = pos; // at '<'
        pos++;
        if (At(pos) == '[')
        {
            pos++;
            int digitsStart = pos;
            while (IsDigit(At(pos))) pos++;
            if (pos == digitsStart) throw Error("expecting a token id in <[id]>", pos);
            if (!uint.TryParse(_src.AsSpan(digitsStart, pos - digitsStart), NumberStyles.None, CultureInfo.InvariantCulture, out uint id) || id > int.MaxValue)
                throw Error("token id is too large", digitsStart);
            if (At(pos) != ']') throw Error("expecting ']' after the token id", pos);
            pos++;
            if (At(pos) != '>') throw Error("expecting '>' to close the token terminal", pos);
            pos++;
            rule.Add(new(negated ? GrammarElementType.TokenNot : GrammarElementType.Token, id));
            return pos;
        }

        while (pos < _src.Length && _src[pos] != '>') pos++;
        if (pos >= _src.Length) throw Error("unterminated token terminal: expecting '>'", start);
        pos++;
        _tokenTexts.Add(_src[start..pos]); // llama.cpp tokenizes the text with its angle brackets
        rule.Add(new(negated ? GrammarElementType.TokenTextNot : GrammarElementType.TokenText, (uint)(_tokenTexts.Count - 1)));
        return pos;
    }

    // ---- lexical helpers

    private uint ParseChar(ref int pos)
    {
        if (pos >= _src.Length) throw Error("unexpected end of grammar", pos);
        char c = _src[pos];
        if (c == '\\')
        {
            char e = At(pos + 1);
            switch (e)
            {
                case 'x': return ParseHex(ref pos, 2);
                case 'u': return ParseHex(ref pos, 4);
                case 'U': return ParseHex(ref pos, 8);
                case 't': pos += 2; return '\t';
                case 'r': pos += 2; return '\r';
                case 'n': pos += 2; return '\n';
                case '\\' or '"' or '[' or ']' or '-': pos += 2; return e;
                default:
                    throw Error(pos + 1 < _src.Length ? $"unknown escape '\\{e}'" : "unexpected end of grammar after '\\'", pos);
            }
        }
        if (char.IsHighSurrogate(c) && pos + 1 < _src.Length && char.IsLowSurrogate(_src[pos + 1]))
        {
            uint cp = (uint)char.ConvertToUtf32(c, _src[pos + 1]);
            pos += 2;
            return cp;
        }
        if (char.IsSurrogate(c)) throw Error("invalid UTF-16 (unpaired surrogate)", pos);
        pos++;
        return c;
    }

    private uint ParseHex(ref int pos, int digits)
    {
        int start = pos;
        pos += 2;
        uint value = 0;
        for (int i = 0; i < digits; i++, pos++)
        {
            int d = HexValue(At(pos));
            if (d < 0 || pos >= _src.Length) throw Error($"expecting {digits} hex digits after '\\{_src[start + 1]}'", pos);
            value = (value << 4) | (uint)d;
        }
        return value;
    }

    private int ParseCount(ref int pos)
    {
        int start = pos;
        while (IsDigit(At(pos))) pos++;
        if (pos == start) throw Error("expecting a number in the repetition count", pos);
        if (!int.TryParse(_src.AsSpan(start, pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            throw Error($"repetition count exceeds the limit of {MaxRepetitions}", start);
        return value;
    }

    private int ParseName(int pos, string expecting)
    {
        int end = pos;
        while (end < _src.Length && IsWordChar(_src[end])) end++;
        if (end == pos) throw Error(pos < _src.Length ? $"{expecting}, found '{Describe(pos)}'" : expecting, pos);
        return end;
    }

    private int ParseSpace(int pos, bool newlineOk)
    {
        while (pos < _src.Length)
        {
            char c = _src[pos];
            if (c == '#')
            {
                while (pos < _src.Length && _src[pos] != '\r' && _src[pos] != '\n') pos++;
            }
            else if (c == ' ' || c == '\t' || (newlineOk && (c == '\r' || c == '\n')))
            {
                pos++;
            }
            else
            {
                break;
            }
        }
        return pos;
    }

    private int GetSymbolId(string name, int referencePos)
    {
        if (!_symbolIds.TryGetValue(name, out int id))
        {
            id = AddSymbol(name);
            _firstReference[id] = referencePos;
        }
        else if (_firstReference[id] < 0 && referencePos >= 0)
        {
            _firstReference[id] = referencePos;
        }
        return id;
    }

    private int GenerateSymbolId(string baseName)
    {
        string name = baseName + "_" + _names.Count.ToString(CultureInfo.InvariantCulture);
        while (_symbolIds.ContainsKey(name)) name += "_";
        return AddSymbol(name);
    }

    private int AddSymbol(string name)
    {
        int id = _names.Count;
        _symbolIds[name] = id;
        _names.Add(name);
        _rules.Add(null);
        _firstReference.Add(-1);
        return id;
    }

    private int RuleDefinitionPosition(string name)
    {
        // Generated helper rules (name_N) point at their parent's definition.
        int cut = name.IndexOf('_');
        string source = cut > 0 ? name[..cut] : name;
        int pos = 0;
        while (pos < _src.Length)
        {
            int found = _src.IndexOf(source, pos, StringComparison.Ordinal);
            if (found < 0) break;
            int after = ParseSpace(found + source.Length, newlineOk: false);
            bool atLineStart = found == 0 || _src[found - 1] is '\n' or '\r' || string.IsNullOrWhiteSpace(LinePrefix(found));
            if (atLineStart && string.CompareOrdinal(_src, after, "::=", 0, 3) == 0) return found;
            pos = found + 1;
        }
        return 0;
    }

    private string LinePrefix(int pos)
    {
        int lineStart = _src.LastIndexOf('\n', Math.Max(0, pos - 1)) + 1;
        return pos > lineStart ? _src[lineStart..pos] : "";
    }

    private char At(int pos) => pos < _src.Length ? _src[pos] : '\0';

    private string Describe(int pos)
    {
        char c = _src[pos];
        return c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ => char.IsControl(c) ? $"\\x{(int)c:X2}" : c.ToString() };
    }

    private int Column(int pos) => pos - (_src.LastIndexOf('\n', Math.Max(0, pos - 1)) + 1) + 1;

    private GbnfParseException Error(string problem, int pos)
    {
        pos = Math.Clamp(pos, 0, _src.Length);
        int line = 1, lineStart = 0;
        for (int i = 0; i < pos; i++)
        {
            if (_src[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }
        return new GbnfParseException(problem, line, pos - lineStart + 1);
    }

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    internal static bool IsWordChar(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-';

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private static string FormatCodePoint(uint cp) => cp is >= 0x20 and < 0x7F ? ((char)cp).ToString() : $"U+{cp:X4}";
}
