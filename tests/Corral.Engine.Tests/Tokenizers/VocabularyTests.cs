using Corral.Engine.Tokenizers;

namespace Corral.Engine.Tests.Tokenizers;

public sealed class VocabularyTests
{
    [Fact]
    public void Stories260K_IsSpmWithLlamaDefaults()
    {
        var v = VocabTestData.Stories().Vocabulary;
        Assert.Equal(VocabularyType.Spm, v.Type);
        Assert.Equal(512, v.Count);
        Assert.Equal(1, v.Bos);
        Assert.Equal(2, v.Eos);
        Assert.Equal(0, v.Unknown);
        Assert.True(v.AddBos);
        Assert.False(v.AddEos);
        Assert.True(v.AddSpacePrefix);
        Assert.Equal(v.Find("<0x0A>"), v.Newline);
        Assert.True(v.IsEog(2));
        Assert.False(v.IsEog(1));
        Assert.True(v.IsControl(1));
        Assert.True(v.IsUnknown(0));
    }

    [Fact]
    public void Phi3_DetectsEotAndRStripsControlTokens()
    {
        var v = VocabTestData.Tokenizer("phi-3").Vocabulary;
        int endOfText = v.Find("<|endoftext|>");
        int end = v.Find("<|end|>");
        int user = v.Find("<|user|>");
        // <|endoftext|> (id 32000) is the EOS; <|end|> is found by text and ends generation too
        Assert.Equal(endOfText, v.Eos);
        Assert.True(v.IsEog(end));
        Assert.True(v.IsEog(endOfText));
        // general.name "Phi3": every special token gets RSTRIP except <unk>, <s>, <|endoftext|>
        Assert.True((v.GetAttributes(user) & TokenAttributes.RStrip) != 0);
        Assert.True((v.GetAttributes(endOfText) & TokenAttributes.RStrip) == 0);
        Assert.True((v.GetAttributes(v.Find("</s>")) & TokenAttributes.RStrip) != 0);
        // </s> is USER_DEFINED in the file and gains CONTROL from the EOG rule
        Assert.True(v.IsControl(v.Find("</s>")));
        Assert.True(v.IsUserDefined(v.Find("</s>")));
    }

    [Fact]
    public void SpecialTokens_AreSortedLongestFirst()
    {
        var v = VocabTestData.Tokenizer("phi-3").Vocabulary;
        var lengths = v.SpecialTokens.Select(id => v.GetTextUtf8(id).Length).ToList();
        Assert.Equal(lengths.OrderByDescending(x => x), lengths);
        Assert.All(v.SpecialTokens, id => Assert.True((v.GetAttributes(id) & (TokenAttributes.Control | TokenAttributes.UserDefined | TokenAttributes.Unknown)) != 0));
    }

    [Fact]
    public void UnknownTokenizerModel_NamesIt()
    {
        var synthetic = SyntheticVocab.Create("sentencepiece-v9", ["a", "b"]);
        var e = Assert.Throws<TokenizerException>(() => synthetic.LoadVocabulary());
        Assert.Contains("'sentencepiece-v9'", e.Message);
        Assert.Contains("tokenizer.ggml.model", e.Message);
    }

    [Fact]
    public void UnknownPreTokenizer_NamesIt()
    {
        var synthetic = SyntheticVocab.Create("gpt2", ["a", "b", "ab"]).Strings("tokenizer.ggml.merges", ["a b"]).Str("tokenizer.ggml.pre", "zeta-9");
        var e = Assert.Throws<TokenizerException>(() => synthetic.LoadVocabulary());
        Assert.Contains("'zeta-9'", e.Message);
    }

    [Fact]
    public void MissingModelKey_IsAClearError()
    {
        var synthetic = new SyntheticVocab().Str("general.architecture", "llama");
        var e = Assert.Throws<TokenizerException>(() => synthetic.LoadVocabulary());
        Assert.Contains("tokenizer.ggml.model", e.Message);
    }

    [Fact]
    public void DuplicateTokenText_IsAClearError()
    {
        var synthetic = SyntheticVocab.Create("llama", ["<unk>", "<s>", "</s>", "x", "x"]);
        var e = Assert.Throws<TokenizerException>(() => synthetic.LoadVocabulary());
        Assert.Contains("token 4", e.Message);
        Assert.Contains("token 3", e.Message);
    }

    [Fact]
    public void NoVocabModel_CannotTokenize()
    {
        var synthetic = new SyntheticVocab().Str("general.architecture", "llama").Str("tokenizer.ggml.model", "none").U32("llama.vocab_size", 10);
        Assert.Equal(10, synthetic.LoadVocabulary().Count);
        var e = Assert.Throws<TokenizerException>(() => synthetic.LoadTokenizer());
        Assert.Contains("no tokenizer", e.Message);
    }

    [Fact]
    public void SpecialIds_KeyOverridesDefault_OutOfRangeKeyKeepsDefault()
    {
        var tokens = new[] { "<unk>", "<s>", "</s>", "a", "b" };
        var v = SyntheticVocab.Create("llama", tokens).U32("tokenizer.ggml.eos_token_id", 3).U32("tokenizer.ggml.bos_token_id", 99).LoadVocabulary();
        Assert.Equal(3, v.Eos);
        Assert.Equal(1, v.Bos);
        Assert.True(v.IsEog(3));
    }

    [Fact]
    public void DefaultIdBeyondVocabulary_IsDisabled()
    {
        // BPE defaults BOS/EOS to 11; a 3-token vocabulary has no such token
        var v = SyntheticVocab.Create("gpt2", ["a", "b", "ab"]).Strings("tokenizer.ggml.merges", ["a b"]).LoadVocabulary();
        Assert.Equal(Vocabulary.NullToken, v.Bos);
        Assert.Equal(Vocabulary.NullToken, v.Eos);
    }

    [Fact]
    public void AutoDetection_FindsEotAndFimByText_AndMarksThemControl()
    {
        var tokens = new[] { "<unk>", "<s>", "</s>", "<|im_end|>", "<|fim_prefix|>", "<|fim_pad|>", "hello", "<unused0>" };
        var types = new Dictionary<int, TokenType> { [0] = TokenType.Unknown, [1] = TokenType.Control, [2] = TokenType.Control, [7] = TokenType.Control };
        var v = SyntheticVocab.Create("llama", tokens, types).LoadVocabulary();
        Assert.Equal(3, v.Eot);
        Assert.Equal(4, v.FimPrefix);
        Assert.Equal(5, v.FimPad);
        Assert.True(v.IsControl(3));
        Assert.True(v.IsControl(4));
        Assert.True(v.IsEog(3));
        Assert.True(v.IsEog(5));  // FIM pad ends generation
        Assert.False(v.IsEog(4));
        Assert.True(v.IsUnused(7));
        Assert.False(v.IsControl(6));
    }

    [Fact]
    public void HarmonyEndToken_IsNotEogWhenReturnAndCallExist()
    {
        var tokens = new[] { "<unk>", "<|return|>", "<|call|>", "<|end|>", "<|channel|>" };
        var v = SyntheticVocab.Create("llama", tokens).LoadVocabulary();
        Assert.True(v.IsEog(1));
        Assert.True(v.IsEog(2));
        Assert.False(v.IsEog(3));
        Assert.Equal(TokenAttributes.UserDefined, v.GetAttributes(3));
        Assert.Equal(TokenAttributes.UserDefined, v.GetAttributes(4));
    }
}
