using System.Text;
using Corral.Engine.Tokenizers;

namespace Corral.Engine.Tests.Tokenizers;

public sealed class DetokenizerTests
{
    private static Tokenizer Llama => VocabTestData.Tokenizer("llama-spm");

    [Fact]
    public void Spm_RoundTripsEveryVectorInput()
    {
        foreach (var name in new[] { "llama-spm", "phi-3" })
        {
            var t = VocabTestData.Tokenizer(name);
            foreach (var c in VocabTestData.ReadCases(name))
                Assert.Equal(c.Text, t.Detokenize(t.Encode(c.Text, false, false)));
        }
    }

    [Fact]
    public void Spm_LeadingSpaceRules()
    {
        var ids = Llama.Encode("Hello", addSpecial: true, parseSpecial: false); // <s> ▁Hello
        // the BOS consumes the one-shot strip and renders as nothing
        Assert.Equal(" Hello", Llama.Detokenize(ids));
        // removing the added BOS also disables the strip
        Assert.Equal(" Hello", Llama.Detokenize(ids, removeSpecial: true));
        // without BOS the first piece loses its space
        Assert.Equal("Hello", Llama.Detokenize(ids.AsSpan(1)));
        Assert.Equal("<s> Hello", Llama.Detokenize(ids, unparseSpecial: true));
    }

    [Fact]
    public void TokenToPiece_SpecialFlagHidesControlTokens()
    {
        Assert.True(Llama.TokenToPiece(2, special: false).IsEmpty);
        Assert.Equal("</s>"u8.ToArray(), Llama.TokenToPiece(2, special: true).ToArray());
        Assert.Equal(" Hello"u8.ToArray(), Llama.TokenToPiece(Llama.Vocabulary.Find("▁Hello"), special: false).ToArray());
        Assert.Equal(new byte[] { 0x0A }, Llama.TokenToPiece(Llama.Vocabulary.Find("<0x0A>"), false).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => Llama.TokenToPiece(32000, false).ToArray());
    }

    /// <summary>test-tokenizer-1-spm: every token's text survives tokenize → detokenize.</summary>
    [Fact]
    public void Spm_EveryTokenRoundTrips()
    {
        var t = Llama;
        var v = t.Vocabulary;
        var ids = new List<int>();
        for (int id = 0; id < v.Count; id++)
        {
            string text = t.Detokenize([id], removeSpecial: false, unparseSpecial: true);
            ids.Clear();
            t.Encode(text, ids, addSpecial: false, parseSpecial: true);
            string again = t.Detokenize(ids.ToArray(), removeSpecial: false, unparseSpecial: true);
            Assert.True(text == again, $"token {id} '{v.GetText(id)}': '{text}' → [{string.Join(",", ids)}] → '{again}'");
        }
    }

    /// <summary>test-tokenizer-1-spm: every code point's UTF-8 survives tokenize → detokenize (sampled every 7th, plus all of the BMP below U+3000).</summary>
    [Fact]
    public void Spm_CodepointsRoundTrip()
    {
        var t = Llama;
        var ids = new List<int>();
        for (int cpt = 1; cpt < 0x110000; cpt++)
        {
            if (cpt is >= 0xD800 and <= 0xDFFF || cpt is >= 0x40000 and < 0xE0000 || cpt == 0x2581) continue;
            if (cpt >= 0x3000 && cpt % 7 != 0) continue;
            string text = char.ConvertFromUtf32(cpt);
            ids.Clear();
            t.Encode(text, ids, addSpecial: false, parseSpecial: false);
            string back = t.Detokenize(ids.ToArray());
            Assert.True(text == back, $"U+{cpt:X4}: [{string.Join(",", ids)}] → '{back}'");
        }
    }

    [Fact]
    public void CleanUpSpaces_MatchesLlamaCppPasses()
    {
        Assert.Equal("Hello, world! How are you?", Clean("Hello , world ! How are you ?"));
        Assert.Equal("it's", Clean("it 's"));
        Assert.Equal("we're we've I'm", Clean("we 're we 've I 'm"));
        Assert.Equal("don 't I 'd we 'll", Clean("don 't I 'd we 'll"));
        Assert.Equal("a'b", Clean("a ' b"));
        // the second pass blanks the space after a lone quote, so the next quote is not treated alike
        Assert.Equal("a'' b", Clean("a ' ' b"));
        Assert.Equal("", Clean(""));
        Assert.Equal(".", Clean(" .")); // even the first byte can go
    }

    private static string Clean(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        int n = Tokenizer.CleanUpSpaces(bytes);
        return Encoding.UTF8.GetString(bytes, 0, n);
    }
}
