using Corral.Engine.Tokenizers;

namespace Corral.Engine.Tests.Tokenizers;

public sealed class SpmTokenizerTests
{
    private static Tokenizer Llama => VocabTestData.Tokenizer("llama-spm");

    [Fact]
    public void AddSpecial_AddsBosOnly()
    {
        var plain = Llama.Encode("Hello world", addSpecial: false, parseSpecial: false);
        var withBos = Llama.Encode("Hello world", addSpecial: true, parseSpecial: false);
        Assert.Equal([1, .. plain], withBos);
        Assert.Equal([1], Llama.Encode("", addSpecial: true, parseSpecial: false));
        Assert.Empty(Llama.Encode("", addSpecial: false, parseSpecial: false));
    }

    [Fact]
    public void AddEosKey_AppendsEos()
    {
        var tokens = new[] { "<unk>", "<s>", "</s>", "▁", "a", "▁a" };
        var types = new Dictionary<int, TokenType> { [0] = TokenType.Unknown, [1] = TokenType.Control, [2] = TokenType.Control };
        var t = SyntheticVocab.Create("llama", tokens, types, [0, 0, 0, -1, -2, -0.5f]).Bool("tokenizer.ggml.add_eos_token", true).LoadTokenizer();
        Assert.Equal([1, 5, 2], t.Encode("a", addSpecial: true, parseSpecial: false));
        Assert.Equal([5], t.Encode("a", addSpecial: false, parseSpecial: false));
    }

    [Fact]
    public void ControlTokenText_IsOnlyParsedWhenAsked()
    {
        var parsed = Llama.Encode("<s>Hi</s>", addSpecial: false, parseSpecial: true);
        Assert.Equal([1, .. Llama.Encode("Hi", false, false), 2], parsed);
        var literal = Llama.Encode("<s>Hi", addSpecial: false, parseSpecial: false);
        Assert.DoesNotContain(1, literal);
        Assert.Equal(Llama.Encode("<s>Hi", false, false), literal);
    }

    [Fact]
    public void TextAfterSpecialToken_GetsTheSpacePrefixAgain()
    {
        // is_prev_special: "a</s>b" = ▁a, </s>, ▁b (not "b")
        var ids = Llama.Encode("a</s>b", addSpecial: false, parseSpecial: true);
        var a = Llama.Encode("a", false, false);
        var b = Llama.Encode("b", false, false);
        Assert.Equal([.. a, 2, .. b], ids);
    }

    [Fact]
    public void Phi3_RStripRemovesWhitespaceAfterControlTokens()
    {
        var t = VocabTestData.Tokenizer("phi-3");
        int user = t.Vocabulary.Find("<|user|>");
        int end = t.Vocabulary.Find("<|end|>");
        var ids = t.Encode("<|user|>\n  Hi<|end|>\n", addSpecial: false, parseSpecial: true);
        Assert.Equal([user, .. t.Encode("Hi", false, false), end], ids);
    }

    [Fact]
    public void Phi3_UserDefinedTokenWithControl_IsNotSplitWithoutParseSpecial()
    {
        var t = VocabTestData.Tokenizer("phi-3");
        int close = t.Vocabulary.Find("</s>");
        Assert.DoesNotContain(close, t.Encode("x</s>y", false, false));
        Assert.Contains(close, t.Encode("x</s>y", false, true));
    }

    [Fact]
    public void UserDefinedToken_IsSplitEvenWithoutParseSpecial_AndLStripApplies()
    {
        // <mask> gets LSTRIP for jina-v2 pre names; USER_DEFINED is split regardless of parse_special
        var tokens = new[] { "<unk>", "<s>", "</s>", "▁", "a", "b", "▁a", "▁b", "<mask>" };
        var types = new Dictionary<int, TokenType> { [0] = TokenType.Unknown, [1] = TokenType.Control, [2] = TokenType.Control, [8] = TokenType.UserDefined };
        var t = SyntheticVocab.Create("llama", tokens, types, [0, 0, 0, -1, -2, -2, -0.5f, -0.5f, 0])
            .Str("tokenizer.ggml.pre", "jina-v2-de").LoadTokenizer();
        Assert.True((t.Vocabulary.GetAttributes(8) & TokenAttributes.LStrip) != 0);
        // "a  <mask>b": the spaces before <mask> are stripped, "b" follows a special token so gets ▁
        Assert.Equal([6, 8, 7], t.Encode("a  <mask>b", addSpecial: false, parseSpecial: false));
    }

    [Fact]
    public void UnknownCharacter_FallsBackToByteTokens()
    {
        // 🦙 is not in the Llama 2 vocabulary: ▁ then its four bytes
        var ids = Llama.Encode("🦙", false, false);
        var v = Llama.Vocabulary;
        Assert.Equal(["▁", "<0xF0>", "<0x9F>", "<0xA6>", "<0x99>"], ids.Select(v.GetText));
    }

    [Fact]
    public void Stories260K_MatchesGoldenPrompt()
    {
        var t = VocabTestData.Stories();
        Assert.Equal([1, 403, 407, 261, 378], t.Encode("Once upon a time", addSpecial: true, parseSpecial: false));
    }
}
