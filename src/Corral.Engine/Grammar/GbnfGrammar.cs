using System.Globalization;
using System.Text;

namespace Corral.Engine.Grammar;

/// <summary>
/// A parsed GBNF grammar (llama.cpp syntax): rules compiled to element lists, repetitions already rewritten into
/// helper rules. Immutable and independent of any vocabulary; bind it to one with <see cref="GrammarMatcher"/>.
/// </summary>
public sealed class GbnfGrammar
{
    internal GbnfGrammar(GrammarElement[][] rules, string[] ruleNames, string[] tokenTexts, int rootRuleId)
    {
        Rules = rules;
        RuleNames = ruleNames;
        TokenTexts = tokenTexts;
        RootRuleId = rootRuleId;
    }

    /// <summary>Parses GBNF text. Throws <see cref="GbnfParseException"/> with a line and column on any error.</summary>
    /// <param name="text">The grammar.</param>
    /// <param name="rootRule">The start symbol (llama.cpp uses <c>root</c>).</param>
    public static GbnfGrammar Parse(string text, string rootRule = "root") => GbnfParser.Parse(text, rootRule);

    /// <summary>Rule bodies by rule id; each ends with <see cref="GrammarElementType.End"/>.</summary>
    public IReadOnlyList<GrammarElement[]> Rules { get; }

    /// <summary>Rule names by rule id, including generated helper rules (<c>name_N</c>).</summary>
    public IReadOnlyList<string> RuleNames { get; }

    /// <summary>Texts of <c>&lt;text&gt;</c> token terminals (with their angle brackets), by index.</summary>
    public IReadOnlyList<string> TokenTexts { get; }

    /// <summary>Id of the start rule.</summary>
    public int RootRuleId { get; }

    /// <summary>
    /// The compiled rules printed back as GBNF, one rule per line. Helper rules (internally <c>name_N</c>, a name no
    /// grammar can define) are printed as <c>name-N</c>, made unique, so the text parses again.
    /// </summary>
    public string Format()
    {
        var names = PrintableNames();
        var sb = new StringBuilder();
        for (int id = 0; id < Rules.Count; id++)
        {
            sb.Append(names[id]).Append(" ::=");
            var rule = Rules[id];
            bool emptyAlternative = true;
            for (int i = 0; i < rule.Length - 1; i++)
            {
                var e = rule[i];
                // An empty alternative prints as "" so that a line ending in '|' cannot swallow the next rule.
                if (e.Type == GrammarElementType.Alt && emptyAlternative) sb.Append(" \"\"");
                emptyAlternative = e.Type == GrammarElementType.Alt;
                sb.Append(' ');
                switch (e.Type)
                {
                    case GrammarElementType.Alt:
                        sb.Append('|');
                        break;
                    case GrammarElementType.RuleRef:
                        sb.Append(names[(int)e.Value]);
                        break;
                    case GrammarElementType.CharAny:
                        sb.Append('.');
                        break;
                    case GrammarElementType.Char or GrammarElementType.CharNot:
                        i = FormatCharClass(sb, rule, i);
                        break;
                    case GrammarElementType.Token:
                        sb.Append("<[").Append(e.Value.ToString(CultureInfo.InvariantCulture)).Append("]>");
                        break;
                    case GrammarElementType.TokenNot:
                        sb.Append("!<[").Append(e.Value.ToString(CultureInfo.InvariantCulture)).Append("]>");
                        break;
                    case GrammarElementType.TokenText:
                        sb.Append(TokenTexts[(int)e.Value]);
                        break;
                    case GrammarElementType.TokenTextNot:
                        sb.Append('!').Append(TokenTexts[(int)e.Value]);
                        break;
                    default:
                        throw new InvalidOperationException($"malformed rule {RuleNames[id]}: unexpected {e.Type}");
                }
            }
            if (emptyAlternative) sb.Append(" \"\"");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private string[] PrintableNames()
    {
        var used = new HashSet<string>(RuleNames.Where(n => !n.Contains('_')), StringComparer.Ordinal);
        var names = new string[RuleNames.Count];
        for (int i = 0; i < names.Length; i++)
        {
            string name = RuleNames[i];
            if (name.Contains('_'))
            {
                name = name.Replace('_', '-');
                while (!used.Add(name)) name += "-";
            }
            names[i] = name;
        }
        return names;
    }

    private static int FormatCharClass(StringBuilder sb, GrammarElement[] rule, int i)
    {
        sb.Append(rule[i].Type == GrammarElementType.CharNot ? "[^" : "[");
        bool first = true;
        do
        {
            uint lo = rule[i].Value;
            // A literal '^' first in a positive class would read as negation.
            AppendClassChar(sb, lo, escapeCaret: first && rule[i].Type == GrammarElementType.Char);
            first = false;
            if (rule[i + 1].Type == GrammarElementType.CharRangeUpper)
            {
                sb.Append('-');
                AppendClassChar(sb, rule[i + 1].Value, escapeCaret: false);
                i++;
            }
            i++;
        } while (rule[i].Type == GrammarElementType.CharAlt);
        sb.Append(']');
        return i - 1;
    }

    private static void AppendClassChar(StringBuilder sb, uint cp, bool escapeCaret)
    {
        switch (cp)
        {
            case '\\': sb.Append(@"\\"); return;
            case ']': sb.Append(@"\]"); return;
            case '[': sb.Append(@"\["); return;
            case '-': sb.Append(@"\-"); return;
            case '"': sb.Append("\\\""); return;
            case '\n': sb.Append(@"\n"); return;
            case '\r': sb.Append(@"\r"); return;
            case '\t': sb.Append(@"\t"); return;
            case '^' when escapeCaret: sb.Append(@"\x5E"); return;
        }
        if (cp is >= 0x20 and < 0x7F) sb.Append((char)cp);
        else if (cp < 0x100) sb.Append(@"\x").Append(cp.ToString("X2", CultureInfo.InvariantCulture));
        else if (cp < 0x10000) sb.Append(@"\u").Append(cp.ToString("X4", CultureInfo.InvariantCulture));
        else sb.Append(@"\U").Append(cp.ToString("X8", CultureInfo.InvariantCulture));
    }
}
