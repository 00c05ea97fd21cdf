using Corral.Engine.Tokenizers;

namespace Corral.Engine.Tests.Tokenizers;

public sealed class BpeTokenizerTests
{
    private static Tokenizer Qwen => VocabTestData.Tokenizer("qwen2");

    [Fact]
    public void Qwen2_ChatTemplateTokensAreParsedOnlyWhenAsked()
    {
        var v = Qwen.Vocabulary;
        int start = v.Find("<|im_start|>"), end = v.Find("<|im_end|>");
        var ids = Qwen.Encode("<|im_start|>user\nHello<|im_end|>\n", addSpecial: true, parseSpecial: true);
        Assert.Equal([start, .. Qwen.Encode("user\nHello", false, false), end, .. Qwen.Encode("\n", false, false)], ids);
        Assert.DoesNotContain(start, Qwen.Encode("<|im_start|>user", false, false));
        Assert.True(v.IsEog(end));
        Assert.Equal(v.Find("Ċ"), v.Newline);
    }

    [Fact]
    public void Qwen2_UserDefinedTokensAreSplitWithoutParseSpecial()
    {
        int pad = Qwen.Vocabulary.Find("[PAD151650]");
        Assert.True(Qwen.Vocabulary.IsUserDefined(pad));
        Assert.Contains(pad, Qwen.Encode("a[PAD151650]b", addSpecial: false, parseSpecial: false));
    }

    [Fact]
    public void AddBos_FollowsThePreTokenizerFlags()
    {
        var llama3 = VocabTestData.Tokenizer("llama-bpe");
        Assert.True(llama3.Vocabulary.AddBos);
        Assert.Equal([128000, .. llama3.Encode("Hi", false, false)], llama3.Encode("Hi", addSpecial: true, parseSpecial: false));
        Assert.False(Qwen.Vocabulary.AddBos);
        Assert.Equal(Qwen.Encode("Hi", false, false), Qwen.Encode("Hi", addSpecial: true, parseSpecial: false));
    }

    [Fact]
    public void Bert_WrapsInClsAndSep()
    {
        var bert = VocabTestData.Tokenizer("bert-bge");
        var plain = bert.Encode("Hello world", false, false);
        Assert.Equal([101, .. plain, 102], bert.Encode("Hello world", addSpecial: true, parseSpecial: false));
        Assert.Equal("hello world", bert.Detokenize(plain).Trim());
    }

    [Theory]
    [InlineData("qwen2")]
    [InlineData("qwen35")]
    [InlineData("deepseek-coder")]
    [InlineData("deepseek-llm")]
    public void ByteLevelBpe_RoundTripsEveryVectorInput(string name)
    {
        // these vocabularies do not clean up spaces, so decoding is the exact inverse
        var t = VocabTestData.Tokenizer(name);
        Assert.False(t.Vocabulary.CleanSpaces);
        foreach (var c in VocabTestData.ReadCases(name))
            Assert.Equal(c.Text, t.Detokenize(t.Encode(c.Text, false, false)));
    }

    [Fact]
    public void Gpt2_CleansUpSpacesOnDecode()
    {
        var t = VocabTestData.Tokenizer("gpt-2");
        Assert.True(t.Vocabulary.CleanSpaces);
        Assert.Equal("Hello, world!", t.Detokenize(t.Encode("Hello , world !", false, false)));
    }

    [Fact]
    public void Streaming_NeverSplitsACharacterAcrossChunks()
    {
        var t = Qwen;
        const string text = "🦙 llama 你好世界 Cửa Việt ẞ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢";
        var ids = t.Encode(text, false, false);
        var stream = t.CreateStreamingDetokenizer();
        var chunks = ids.Select(stream.Append).ToList();
        chunks.Add(stream.Flush());
        Assert.All(chunks, c => Assert.False(c.Length > 0 && (char.IsHighSurrogate(c[^1]) || c.Contains('\uFFFD'))));
        Assert.Equal(text, string.Concat(chunks));
        // at least one character really was cut by token boundaries (held back, then emitted)
        Assert.Contains("", chunks.Take(chunks.Count - 1));
    }

    [Fact]
    public void TokenToPiece_MapsTheGpt2AlphabetBackToBytes()
    {
        var v = Qwen.Vocabulary;
        Assert.Equal(" hello"u8.ToArray(), Qwen.TokenToPiece(v.Find("Ġhello"), false).ToArray());
        Assert.Equal("\n"u8.ToArray(), Qwen.TokenToPiece(v.Find("Ċ"), false).ToArray());
        Assert.Equal(new byte[] { 0xE4 }, Qwen.TokenToPiece(v.Find("ä"), false).ToArray());
    }

    [Fact]
    public void Gemma4Style_EscapesSpacesAndFallsBackToByteTokens()
    {
        string[] tokens = ["<pad>", "<eos>", "<bos>", "▁", "a", "b", "▁a", "ab", "\n", "<0x63>"];
        var types = new Dictionary<int, TokenType> { [0] = TokenType.Control, [1] = TokenType.Control, [2] = TokenType.Control, [9] = TokenType.Byte };
        var t = SyntheticVocab.Create("gemma4", tokens, types)
            .Strings("tokenizer.ggml.merges", ["▁ a", "a b"])
            .U32("tokenizer.ggml.bos_token_id", 2)
            .U32("tokenizer.ggml.eos_token_id", 1)
            .LoadTokenizer();
        Assert.Equal(PreTokenizerKind.Gemma4, t.Vocabulary.PreTokenizer);
        Assert.True(t.Vocabulary.AddBos); // forced for Gemma-4
        // "▁ab▁c": ▁+a merges first (rank 0), which leaves b alone; c is spelled by its byte token
        Assert.Equal([2, 6, 5, 3, 9], t.Encode(" ab c", addSpecial: true, parseSpecial: false));
        Assert.Equal([8], t.Encode("\n", false, false));
        Assert.Equal(" ab c", t.Detokenize([6, 5, 3, 9]));
    }

    [Fact]
    public void MissingMerges_IsAClearError()
    {
        var e = Assert.Throws<TokenizerException>(() => SyntheticVocab.Create("gpt2", ["a", "b"]).LoadVocabulary());
        Assert.Contains("merges", e.Message);
    }
}
