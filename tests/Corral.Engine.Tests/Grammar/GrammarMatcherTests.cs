using System.Text;
using Corral.Engine.Grammar;

namespace Corral.Engine.Tests.Grammar;

public class GrammarMatcherTests
{
    private const string JsonGrammar = """
        root   ::= object
        value  ::= object | array | string | number | ("true" | "false" | "null") ws
        object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
        array  ::= "[" ws ( value ("," ws value)* )? "]" ws
        string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4}) )* "\"" ws
        number ::= ("-"? ([0-9] | [1-9] [0-9]*)) ("." [0-9]+)? ([eE] [-+]? [0-9]+)? ws
        ws ::= ([ \t\n] ws)?
        """;

    // Grammars that exercise the different paths: char classes, negation, '.', non-ASCII ranges, tokens.
    public static TheoryData<string, string> Grammars => new()
    {
        { "json", JsonGrammar },
        { "letters", """root ::= ([a-z]+ " ")* "end" """ },
        { "any", """root ::= "<" .{1,12} ">" """ },
        { "cjk", """root ::= [一-龥]+ ("。" | [^\x00-\x7F]{2,4}) """ },
        { "negated", """root ::= "x" [^aeiou\n]* "y" """ },
        { "digits", """root ::= [1-9] [0-9]{0,5} ("." [0-9]+)? """ },
    };

    [Theory]
    [MemberData(nameof(Grammars))]
    public void MaskMatchesReferenceOnStoriesVocabulary(string name, string grammarText)
    {
        var (pieces, eog) = TestVocabularies.StoriesPieces;
        CompareWithReference(name, grammarText, pieces, eog, TestVocabularies.Stories, steps: 25, seeds: 3, referenceSample: int.MaxValue);
    }

    // The grammars whose states differ most on a byte-level vocabulary (strings, '.', negation, CJK, open UTF-8).
    public static TheoryData<string, string> Qwen2Grammars => new()
    {
        { "json", JsonGrammar },
        { "any", Grammars.Single(g => (string)g[0] == "any")[1].ToString()! },
        { "cjk", Grammars.Single(g => (string)g[0] == "cjk")[1].ToString()! },
        { "negated", Grammars.Single(g => (string)g[0] == "negated")[1].ToString()! },
    };

    [Theory]
    [MemberData(nameof(Qwen2Grammars))]
    public void MaskMatchesReferenceOnQwen2Vocabulary(string name, string grammarText)
    {
        var (pieces, eog) = TestVocabularies.Qwen2Pieces;
        CompareWithReference(name, grammarText, pieces, eog, TestVocabularies.Qwen2, steps: 8, seeds: 1, referenceSample: 600);
    }

    /// <summary>
    /// Walks the grammar with random choices among allowed tokens and checks, at every step, that the full mask
    /// (trie walk) and the single-token check agree on every token of the vocabulary, and that the reference engine
    /// agrees on the chosen token and on <paramref name="referenceSample"/> random tokens (all when it exceeds the vocabulary).
    /// </summary>
    private static void CompareWithReference(string name, string grammarText, byte[][] pieces, List<int> eog, GrammarVocabulary vocabulary, int steps, int seeds, int referenceSample)
    {
        var grammar = GbnfGrammar.Parse(grammarText);
        var eogSet = eog.ToHashSet();
        for (int seed = 0; seed < seeds; seed++)
        {
            var rng = new Random(seed);
            var matcher = new GrammarMatcher(grammar, vocabulary);
            var reference = new ReferenceGrammarEngine(grammar, pieces, eogSet);
            var bits = new ulong[(vocabulary.Count + 63) / 64];
            var text = new List<byte>();
            for (int step = 0; step < steps; step++)
            {
                matcher.FillAllowedTokens(bits);
                var allowed = new List<int>();
                var openEnded = new List<int>(); // tokens that end inside a UTF-8 sequence, to exercise the continuation path
                bool checkAll = referenceSample >= vocabulary.Count;
                var sample = checkAll ? [] : Enumerable.Range(0, referenceSample).Select(_ => rng.Next(vocabulary.Count)).ToHashSet();
                for (int t = 0; t < vocabulary.Count; t++)
                {
                    bool fast = (bits[t >> 6] & (1UL << t)) != 0;
                    Assert.True(fast == matcher.IsAllowed(t), $"{name} seed {seed} step {step} after {Show(text)}: token {t} {Show(pieces[t])} mask={fast} but IsAllowed={!fast}");
                    if (checkAll || sample.Contains(t))
                    {
                        bool expected = reference.IsAllowed(t);
                        Assert.True(expected == fast, $"{name} seed {seed} step {step} after {Show(text)}: token {t} {Show(pieces[t])} mask={fast} reference={expected}");
                    }
                    if (fast && !eogSet.Contains(t))
                    {
                        allowed.Add(t);
                        if (EndsInsideSequence(pieces[t])) openEnded.Add(t);
                    }
                }
                Assert.Equal(reference.CanEnd, matcher.CanEnd);
                if (allowed.Count == 0) break;
                int pick = openEnded.Count > 0 && rng.Next(3) == 0 ? openEnded[rng.Next(openEnded.Count)] : allowed[rng.Next(allowed.Count)];
                Assert.True(reference.IsAllowed(pick));
                matcher.Accept(pick);
                reference.Accept(pick);
                text.AddRange(pieces[pick]);
            }
        }
    }

    [Fact]
    public void AcceptRejectsDisallowedTokenAndKeepsState()
    {
        var vocab = TestVocabularies.Qwen2;
        var matcher = new GrammarMatcher(GbnfGrammar.Parse("""root ::= "ab" """), vocab);
        int a = FindToken(vocab, "a");
        int b = FindToken(vocab, "b");
        var ex = Assert.Throws<GrammarException>(() => matcher.Accept(b));
        Assert.Contains("\"b\"", ex.Message);
        matcher.Accept(a);
        Assert.False(matcher.CanEnd);
        matcher.Accept(b);
        Assert.True(matcher.CanEnd);
    }

    [Fact]
    public void EndOfGenerationOnlyWhereTheGrammarMayEnd()
    {
        var vocab = TestVocabularies.Qwen2;
        int imEnd = FindToken(vocab, "<|im_end|>");
        Assert.True(vocab.IsEndOfGeneration(imEnd));
        var matcher = new GrammarMatcher(GbnfGrammar.Parse("""root ::= "x"+ """), vocab);
        Assert.False(matcher.IsAllowed(imEnd));
        Assert.Throws<GrammarException>(() => matcher.Accept(imEnd));
        matcher.Accept(FindToken(vocab, "x"));
        Assert.True(matcher.IsAllowed(imEnd));
        matcher.Accept(imEnd); // the grammar stays where it was
        Assert.True(matcher.CanEnd);
        Assert.True(matcher.IsAllowed(FindToken(vocab, "xx")));
    }

    [Fact]
    public void MultiByteCharacterSplitAcrossTokens()
    {
        // qwen2 has single-byte tokens for every byte, so "é" (C3 A9) can arrive as two tokens.
        var vocab = TestVocabularies.Qwen2;
        var matcher = new GrammarMatcher(GbnfGrammar.Parse("""root ::= "é" "!" """), vocab);
        int lead = FindTokenBytes(vocab, [0xC3]);
        int cont = FindTokenBytes(vocab, [0xA9]);
        int wrongCont = FindTokenBytes(vocab, [0xA8]);
        Assert.True(matcher.IsAllowed(lead));
        matcher.Accept(lead);
        Assert.False(matcher.CanEnd);
        Assert.True(matcher.IsAllowed(cont));
        Assert.False(matcher.IsAllowed(wrongCont));
        Assert.False(matcher.IsAllowed(FindToken(vocab, "!")));
        matcher.Accept(cont);
        Assert.True(matcher.IsAllowed(FindToken(vocab, "!")));
    }

    [Fact]
    public void TokenTerminalsMatchWholeTokens()
    {
        var vocab = TestVocabularies.Qwen2;
        int imStart = FindToken(vocab, "<|im_start|>");
        var grammar = GbnfGrammar.Parse("""root ::= <|im_start|> "x" <[42]> !<[42]> """);
        var matcher = new GrammarMatcher(grammar, vocab);
        var bits = new ulong[(vocab.Count + 63) / 64];
        matcher.FillAllowedTokens(bits);
        Assert.Equal([imStart], AllowedIds(bits, vocab.Count));
        matcher.Accept(imStart);
        matcher.Accept(FindToken(vocab, "x"));
        Assert.True(matcher.IsAllowed(42));
        Assert.False(matcher.IsAllowed(43));
        matcher.Accept(42);
        Assert.False(matcher.IsAllowed(42));
        Assert.True(matcher.IsAllowed(43));
        matcher.Accept(43);
        Assert.True(matcher.CanEnd);
    }

    [Fact]
    public void UnknownTokenTextIsAClearError()
    {
        var ex = Assert.Throws<GrammarException>(() => new GrammarMatcher(GbnfGrammar.Parse("root ::= <|no such token|>"), TestVocabularies.Qwen2));
        Assert.Contains("<|no such token|>", ex.Message);
    }

    [Fact]
    public void CloneAndResetAreIndependent()
    {
        var vocab = TestVocabularies.Stories;
        var matcher = new GrammarMatcher(GbnfGrammar.Parse("""root ::= "a" "b" | "a" "c" """), vocab);
        int a = FindToken(vocab, "a"), b = FindToken(vocab, "b"), c = FindToken(vocab, "c");
        matcher.Accept(a);
        var copy = matcher.Clone();
        matcher.Accept(b);
        Assert.True(matcher.CanEnd);
        Assert.False(copy.CanEnd);
        Assert.True(copy.IsAllowed(c));
        copy.Accept(c);
        matcher.Reset();
        Assert.True(matcher.IsAllowed(a));
        Assert.False(matcher.IsAllowed(b));
    }

    [Fact]
    public void ApplyMaskSetsRejectedLogitsToNegativeInfinity()
    {
        var vocab = TestVocabularies.Stories;
        var matcher = new GrammarMatcher(GbnfGrammar.Parse("""root ::= [0-9]+ """), vocab);
        var logits = new float[vocab.Count + 3];
        Array.Fill(logits, 1f);
        matcher.ApplyMask(logits);
        for (int t = 0; t < logits.Length; t++)
        {
            bool expected = t < vocab.Count && matcher.IsAllowed(t);
            Assert.Equal(expected ? 1f : float.NegativeInfinity, logits[t]);
        }
        Assert.Contains(logits, l => l == 1f);
        Assert.Throws<ArgumentException>(() => matcher.ApplyMask(new float[vocab.Count - 1]));
    }

    private static bool EndsInsideSequence(byte[] piece)
    {
        // Walk back over continuation bytes to the lead byte and compare the sequence length it announces.
        int i = piece.Length - 1;
        while (i >= 0 && (piece[i] & 0xC0) == 0x80) i--;
        if (i < 0) return piece.Length > 0;
        int need = piece[i] >= 0xF0 ? 4 : piece[i] >= 0xE0 ? 3 : piece[i] >= 0xC0 ? 2 : 1;
        return piece.Length - i < need;
    }

    internal static int FindToken(GrammarVocabulary vocab, string piece) => FindTokenBytes(vocab, Encoding.UTF8.GetBytes(piece));

    internal static int FindTokenBytes(GrammarVocabulary vocab, byte[] piece)
    {
        for (int t = 0; t < vocab.Count; t++)
        {
            if (vocab.Piece(t).SequenceEqual(piece)) return t;
        }
        throw new InvalidOperationException($"no token with piece {Show(piece)}");
    }

    private static List<int> AllowedIds(ulong[] bits, int count)
    {
        var ids = new List<int>();
        for (int t = 0; t < count; t++)
        {
            if ((bits[t >> 6] & (1UL << t)) != 0) ids.Add(t);
        }
        return ids;
    }

    private static string Show(IEnumerable<byte> bytes) => "\"" + Encoding.UTF8.GetString(bytes.ToArray()).Replace("\n", "\\n") + "\"";
}
