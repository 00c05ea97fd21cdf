using System.Text;
using Corral.Engine.Tokenizers;

namespace Corral.Engine.Tests.Tokenizers;

public sealed class StreamingDetokenizerTests
{
    private static Tokenizer Llama => VocabTestData.Tokenizer("llama-spm");

    private static int ByteToken(Tokenizer t, int b) => t.Vocabulary.Find($"<0x{b:X2}>");

    [Theory]
    [InlineData("é")]      // 2 bytes
    [InlineData("€")]      // 3 bytes
    [InlineData("🦙")]     // 4 bytes
    public void CharacterSplitOverByteTokens_IsEmittedOnceComplete(string character)
    {
        var t = Llama;
        var bytes = Encoding.UTF8.GetBytes(character);
        var stream = t.CreateStreamingDetokenizer();
        for (int i = 0; i < bytes.Length - 1; i++)
            Assert.Equal("", stream.Append(ByteToken(t, bytes[i])));
        Assert.Equal(character, stream.Append(ByteToken(t, bytes[^1])));
        Assert.Equal("", stream.Flush());
    }

    [Fact]
    public void BrokenSequences_BecomeReplacementCharacters()
    {
        var t = Llama;
        var stream = t.CreateStreamingDetokenizer();
        // E2 82 then a normal token: the held bytes cannot complete; one U+FFFD per byte (as the goldens show)
        Assert.Equal("", stream.Append(ByteToken(t, 0xE2)));
        Assert.Equal("", stream.Append(ByteToken(t, 0x82)));
        Assert.True(stream.HasPendingBytes);
        Assert.Equal("\uFFFD\uFFFD Hello", stream.Append(t.Vocabulary.Find("▁Hello")));
        // a lone continuation byte is replaced at once
        Assert.Equal("\uFFFD", stream.Append(ByteToken(t, 0x80)));
        // an unfinished 4-byte sequence at the end is flushed byte by byte
        Assert.Equal("", stream.Append(ByteToken(t, 0xF0)));
        Assert.Equal("", stream.Append(ByteToken(t, 0x9F)));
        Assert.Equal("\uFFFD\uFFFD", stream.Flush());
        Assert.False(stream.HasPendingBytes);
        // after Flush the detokenizer starts clean
        Assert.Equal(" Hello", stream.Append(t.Vocabulary.Find("▁Hello")));
    }

    [Fact]
    public void ControlTokens_OnlyRenderWhenSpecial()
    {
        Assert.Equal("", Llama.CreateStreamingDetokenizer().Append(2));
        Assert.Equal("</s>", Llama.CreateStreamingDetokenizer(special: true).Append(2));
    }

    [Fact]
    public void Streaming_EqualsWholeDecode_ForEveryVectorInput()
    {
        var t = Llama;
        foreach (var c in VocabTestData.ReadCases("llama-spm"))
        {
            var ids = t.Encode(c.Text, false, false);
            var stream = t.CreateStreamingDetokenizer();
            var sb = new StringBuilder();
            foreach (int id in ids)
            {
                string part = stream.Append(id);
                Assert.False(part.Length > 0 && char.IsHighSurrogate(part[^1]), "a chunk ended inside a surrogate pair");
                sb.Append(part);
            }
            sb.Append(stream.Flush());
            // streaming does not drop the SPM leading space; the whole decode with lstrip does
            var bytes = new List<byte>();
            foreach (int id in ids) bytes.AddRange(t.TokenToPiece(id, false).ToArray());
            Assert.Equal(Encoding.UTF8.GetString(bytes.ToArray()), sb.ToString());
        }
    }
}
