using System.Text;
using System.Text.RegularExpressions;

namespace Corral.Engine.Tokenizers.PreTokenizers;

/// <summary>
/// A Hugging Face regex with <c>\p{…}</c> classes, run the way llama.cpp runs it (spec A7.2 path 2): over
/// the collapsed text (one char per code point, categories folded to U+00D0–U+00D5), with each
/// <c>\p{X}</c> rewritten to its collapsed char plus X's ASCII members. So <c>\p{Lu}</c> means "any
/// letter", and case tricks are exact for ASCII only — deliberately, to match llama.cpp.
/// .NET runs it in ECMAScript mode (<c>\s</c>, <c>\d</c> ASCII, as std::regex) and allocation-free
/// through <see cref="Regex.EnumerateMatches(ReadOnlySpan{char})"/> on the chunk only.
/// </summary>
internal sealed class CollapsedRegexSplitter : SplitStep
{
    private readonly Regex _regex;

    public CollapsedRegexSplitter(string huggingFacePattern)
    {
        Pattern = Rewrite(huggingFacePattern);
        _regex = new Regex(Pattern, RegexOptions.ECMAScript | RegexOptions.Compiled);
    }

    /// <summary>The rewritten .NET pattern (for diagnostics and tests).</summary>
    public string Pattern { get; }

    public override void Split(SplitInput input, int start, int end, List<Span32> pieces)
    {
        var text = input.Collapsed.Slice(start, end - start);
        int emitted = 0;
        foreach (var match in _regex.EnumerateMatches(text))
        {
            Emit(pieces, start + emitted, start + match.Index);
            Emit(pieces, start + match.Index, start + match.Index + match.Length);
            emitted = match.Index + match.Length;
        }
        Emit(pieces, start + emitted, end);
    }

    private static readonly Dictionary<string, (char Collapsed, string AsciiMembers)> s_categories = new(StringComparer.Ordinal)
    {
        [@"\p{N}"] = ('\u00D1', "0-9"),
        [@"\p{L}"] = ('\u00D2', "A-Za-z"),
        [@"\p{Lu}"] = ('\u00D2', "A-Za-z"),
        [@"\p{Ll}"] = ('\u00D2', "A-Za-z"),
        [@"\p{Lt}"] = ('\u00D2', "A-Za-z"),
        [@"\p{Lm}"] = ('\u00D2', "A-Za-z"),
        [@"\p{Lo}"] = ('\u00D2', "A-Za-z"),
        [@"\p{P}"] = ('\u00D3', @"!-#%-*,-/:-;?-@\[-\]_\{\}"),
        [@"\p{M}"] = ('\u00D4', ""),
        [@"\p{S}"] = ('\u00D5', @"\$\+<->^`\|"),
    };

    /// <summary>Whether llama.cpp would take the collapsed path for this regex.</summary>
    public static bool UsesCategories(string pattern) => s_categories.Keys.Any(k => pattern.Contains(k, StringComparison.Ordinal));

    /// <summary>
    /// Replaces each known <c>\p{X}</c> by <c>[c members]</c> (or <c>c members</c> inside a bracket
    /// expression), tracking brackets the same simple way llama.cpp does.
    /// </summary>
    internal static string Rewrite(string pattern)
    {
        foreach (char c in pattern)
            if (c >= 0x80) throw new TokenizerException($"pre-tokenizer regex mixes unicode categories with non-ASCII characters: {pattern}");

        var sb = new StringBuilder(pattern.Length * 2);
        bool inside = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '[' && (i == 0 || pattern[i - 1] != '\\'))
            {
                sb.Append('[');
                inside = true;
                continue;
            }
            if (inside && c == ']' && pattern[i - 1] != '\\')
            {
                sb.Append(']');
                inside = false;
                continue;
            }
            if (c == '\\' && i + 3 < pattern.Length && pattern[i + 1] == 'p' && pattern[i + 2] == '{')
            {
                int close = pattern.IndexOf('}', i + 3);
                if (close >= 0 && close <= i + 10 && s_categories.TryGetValue(pattern[i..(close + 1)], out var category))
                {
                    if (!inside) sb.Append('[');
                    sb.Append($"\\u{(int)category.Collapsed:X4}").Append(category.AsciiMembers);
                    if (!inside) sb.Append(']');
                    i = close;
                    continue;
                }
            }
            sb.Append(c);
        }
        return sb.ToString();
    }
}
