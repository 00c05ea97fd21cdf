using System.Text;
using Corral.Engine.Grammar;

namespace Corral.Engine.Tests.Grammar;

/// <summary>Grammar semantics character by character: a vocabulary with one token per code point of an alphabet.</summary>
internal static class CharacterGrammar
{
    private static readonly string[] s_alphabet = [.. Enumerable.Range(1, 0x7E).Select(c => ((char)c).ToString()), "é", "中", "😀"];
    private static readonly GrammarVocabulary s_chars = new(
        [.. s_alphabet.Select(Encoding.UTF8.GetBytes), Encoding.UTF8.GetBytes("<eos>")], [s_alphabet.Length]);

    /// <summary>Whether the grammar accepts exactly <paramref name="input"/>, fed one character per token.</summary>
    public static bool Matches(string grammar, string input) => Matches(new GrammarMatcher(GbnfGrammar.Parse(grammar), s_chars), input);

    /// <summary>Whether a fresh copy of <paramref name="prototype"/> accepts exactly <paramref name="input"/>.</summary>
    public static bool Matches(GrammarMatcher prototype, string input)
    {
        var matcher = prototype.Clone();
        foreach (var rune in input.EnumerateRunes())
        {
            int token = Array.IndexOf(s_alphabet, rune.ToString());
            if (token < 0) throw new ArgumentException($"test alphabet lacks {rune}");
            if (!matcher.IsAllowed(token)) return false;
            matcher.Accept(token);
        }
        return matcher.CanEnd && matcher.IsAllowed(s_alphabet.Length);
    }

    public static GrammarMatcher Matcher(string grammar) => new(GbnfGrammar.Parse(grammar), s_chars);
}
