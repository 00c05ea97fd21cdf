using System.Text;
using Corral.Engine.Tokenizers;
using Corral.Engine.Tokenizers.PreTokenizers;

namespace Corral.Engine.Tests.Tokenizers;

/// <summary>
/// Pre-tokenizer families that no shared vocabulary exercises, checked against the behaviour the spec
/// (A7.2/A7.3) states for llama.cpp, plus properties every family must have.
/// </summary>
public sealed class PreTokenizerTests
{
    internal static string[] Split(PreTokenizerKind kind, string text)
    {
        var input = new SplitInput();
        input.Load(Encoding.UTF8.GetBytes(text));
        var words = new List<Span32>();
        PreTokenizer.For(kind).Split(input, words, []);
        return words.Select(w => string.Concat(input.Codepoints.Skip(w.Start).Take(w.Length).Select(char.ConvertFromUtf32))).ToArray();
    }

    [Fact]
    public void EveryFamily_BuildsAndCoversTheInputExactly()
    {
        const string sample = "Hello, y'all! ÉCOLE 1234567 你好世界 🦙 \r\n\n  <sentinel:3> IMGIMGABZ tab\there  ";
        foreach (var kind in Enum.GetValues<PreTokenizerKind>())
        {
            var pieces = Split(kind, sample);
            Assert.Equal(sample, string.Concat(pieces)); // nothing is ever dropped or reordered
            Assert.All(pieces, p => Assert.NotEmpty(p));
        }
    }

    [Fact]
    public void Llama3_GroupsDigitsInThreesFromTheLeft_Qwen2_OneByOne()
    {
        Assert.Equal(["123", "456", "7"], Split(PreTokenizerKind.Llama3, "1234567"));
        Assert.Equal(["1", "2", "3"], Split(PreTokenizerKind.Qwen2, "123"));
    }

    [Fact]
    public void Llama3_ContractionsIgnoreCase_Gpt2DoesNot()
    {
        Assert.Equal(["I", "'M", " here"], Split(PreTokenizerKind.Llama3, "I'M here"));
        Assert.Equal(["I", "'", "M", " here"], Split(PreTokenizerKind.Gpt2, "I'M here"));
        Assert.Equal(["I", "'m", " here"], Split(PreTokenizerKind.Gpt2, "I'm here"));
    }

    [Fact]
    public void Whitespace_BeforeAWordIsLeftToIt()
    {
        Assert.Equal(["a", "  ", " b"], Split(PreTokenizerKind.Gpt2, "a   b"));
        Assert.Equal(["a", " \n\n", " b"], Split(PreTokenizerKind.Llama3, "a \n\n b"));
    }

    [Fact]
    public void DigitsMod3_GroupsFromTheRight_AndCarriesPrecedingText()
    {
        // AFMoE: step 1 digits-mod3, later steps split the mixed pieces again
        Assert.Equal(["1", "234", "567"], Split(PreTokenizerKind.Afmoe, "1234567"));
        var input = new SplitInput();
        input.Load("ab1234 x"u8);
        var pieces = new List<Span32>();
        new DigitsMod3Splitter().Split(input, 0, input.Count, pieces);
        Assert.Equal([new Span32(0, 3), new Span32(3, 3), new Span32(6, 2)], pieces);
    }

    [Fact]
    public void SuperBpe_SplitsDigitRunsInThreesFromTheRight()
    {
        Assert.Equal(["1", "234", "567"], Split(PreTokenizerKind.SuperBpe, "1234567"));
        Assert.Equal(["12"], Split(PreTokenizerKind.SuperBpe, "12"));
        Assert.Equal(["123", "456", " ab"], Split(PreTokenizerKind.SuperBpe, "123456 ab"));
    }

    [Fact]
    public void UpperLowerLookaheadRegexes_AreExactOnlyForAscii()
    {
        // spec A7.2 (b): every non-ASCII letter counts as upper and lower, so ÉCOLE is É + COLE (HF keeps one piece)
        Assert.Equal(["É", "COLE"], Split(PreTokenizerKind.Gpt4o, "ÉCOLE"));
        Assert.Equal(["É", "COLE"], Split(PreTokenizerKind.Tekken, "ÉCOLE"));
        Assert.Equal(["Hello", "World"], Split(PreTokenizerKind.Gpt4o, "HelloWorld"));
    }

    [Fact]
    public void KimiK2_SeparatesHanFromOtherLetters()
    {
        Assert.Equal(["你好", "world's", " ", "123", "4"], Split(PreTokenizerKind.KimiK2, "你好world's 1234"));
        Assert.Equal(["Ö", "你"], Split(PreTokenizerKind.KimiK2, "Ö你"));
    }

    [Fact]
    public void Chameleon_StepsIsolateSentinelsAndImageTokens_LaterStepsSplitAgain()
    {
        var input = new SplitInput();
        input.Load("a<sentinel:12>IMGIMGABZx IMGIMGABCDEZ"u8);
        var pieces = new List<Span32>();
        new SentinelStep().Split(input, 0, input.Count, pieces);
        Assert.Equal([new Span32(0, 1), new Span32(1, 13), new Span32(14, input.Count - 14)], pieces);
        pieces.Clear();
        new ImageTokenStep().Split(input, 14, input.Count, pieces);
        Assert.Equal(new Span32(14, 9), pieces[0]); // IMGIMGABZ; five letters before Z do not match
        Assert.Equal(2, pieces.Count);
        // every regex splits every chunk, so the digit and punctuation steps cut the sentinel up again
        Assert.Equal(["<", "sentinel", ":", "1", "2", ">", "IMGIMGABZ", "x"], Split(PreTokenizerKind.Chameleon, "<sentinel:12>IMGIMGABZx"));
    }

    [Fact]
    public void Poro_SplitsAtItsExcludedCharacters()
    {
        Assert.Equal([" hello", ",", " world", "(", "x"], Split(PreTokenizerKind.Poro, " hello, world(x"));
    }

    [Fact]
    public void DeepseekLlm_TrailingWhitespaceIsItsOwnPiece()
    {
        var pieces = Split(PreTokenizerKind.DeepseekLlm, "abc   ");
        Assert.Equal("   ", pieces[^1]);
    }

    [Fact]
    public void CollapsedRewrite_FollowsLlamaCpp()
    {
        Assert.Equal(@"[\u00D10-9]{1,3}", CollapsedRegexSplitter.Rewrite(@"\p{N}{1,3}"));
        Assert.Equal(@"[^\s\u00D2A-Za-z\u00D10-9]", CollapsedRegexSplitter.Rewrite(@"[^\s\p{L}\p{N}]"));
        Assert.Equal(@"[\u00D4]", CollapsedRegexSplitter.Rewrite(@"\p{M}"));
        Assert.Throws<TokenizerException>(() => CollapsedRegexSplitter.Rewrite(@"\p{L}é"));
    }

    [Fact]
    public void CollapsedRegex_UsesAsciiWhitespaceAndSeesOnlyTheChunk()
    {
        // U+00A0 is whitespace for llama.cpp: collapsed to \v, so \s matches it
        var step = new CollapsedRegexSplitter(@"\s+(?!\S)|\s+");
        var input = new SplitInput();
        input.Load("a\u00A0\u00A0b"u8.ToArray());
        var pieces = new List<Span32>();
        step.Split(input, 1, 3, pieces); // the chunk is the two spaces only: (?!\S) sees its end, not "b"
        Assert.Equal([new Span32(1, 2)], pieces);
    }

    [Theory]
    [InlineData("llama-bpe", PreTokenizerKind.Llama3, true, true)]
    [InlineData("qwen2", PreTokenizerKind.Qwen2, false, false)]
    [InlineData("megrez", PreTokenizerKind.Qwen2, true, false)]
    [InlineData("tekken", PreTokenizerKind.Tekken, false, true)]
    [InlineData("gpt-4o", PreTokenizerKind.Gpt4o, false, false)]
    [InlineData("default", PreTokenizerKind.Default, true, false)]
    public void Catalog_MapsNamesToFamiliesAndFlags(string name, PreTokenizerKind kind, bool cleanSpaces, bool addBos)
    {
        Assert.True(PreTokenizerCatalog.TryResolve(name, out var entry));
        Assert.Equal(kind, entry.Kind);
        Assert.Equal(cleanSpaces, entry.CleanSpaces);
        Assert.Equal(addBos, entry.AddBos);
    }
}
