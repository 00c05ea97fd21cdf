using Corral.Engine.Gguf;
using Corral.Engine.Tests.Tokenizers;
using Corral.Testing;

namespace Corral.Engine.Tests;

public class GgufFileTests
{
    [Fact]
    public void OpensStories260K()
    {
        using var f = GgufFile.Open(RepoPaths.SharedFile("models", "stories260K.gguf"));
        Assert.Equal("llama", f.Architecture);
        Assert.Equal(3u, f.Version);
        Assert.NotNull(f.FindTensor("token_embd.weight"));
        Assert.Equal(512, f.Get("tokenizer.ggml.tokens")!.ArrayLength);
    }

    [Fact]
    public void LongStringArraysAreReadWhenAskedForAndNotKept()
    {
        var words = Enumerable.Range(0, 5000).Select(i => $"w{i}·é").ToArray();
        var f = SyntheticVocab.Create("gpt2", ["a", "b"]).Strings("test.words", words).Strings("test.short", ["x", "y"]).Open();
        var value = f.Get("test.words")!;
        Assert.True(value.IsReadOnAccess);
        Assert.Equal(5000, value.ArrayLength);
        Assert.Equal(words, value.AsStringArray());
        Assert.NotSame(value.Value, value.Value); // a fresh array each time: nothing stays on the heap
        var utf8 = new List<string>();
        foreach (var bytes in value.Strings!) utf8.Add(System.Text.Encoding.UTF8.GetString(bytes));
        Assert.Equal(words, utf8);
        Assert.False(f.Get("test.short")!.IsReadOnAccess);
        f.Dispose();
        Assert.Throws<ObjectDisposedException>(() => value.Value);
        Assert.Equal(5000, value.ArrayLength);
    }

    [Fact]
    public void ACorruptElementOfALongStringArrayIsRefusedAtOpen()
    {
        var words = Enumerable.Range(0, 5000).Select(i => $"w{i}").ToArray();
        var bytes = SyntheticVocab.Create("gpt2", ["a", "b"]).Strings("test.words", words).ToBytes();
        // The length of element 4321 ("w4321") made impossibly large.
        var marker = System.Text.Encoding.UTF8.GetBytes("w4321");
        int at = bytes.AsSpan().IndexOf(marker) - 8;
        BitConverter.GetBytes(long.MaxValue / 2).CopyTo(bytes, at);
        using var dir = new TempDir();
        var path = dir.File("corrupt.gguf");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<GgufFormatException>(() => GgufFile.Open(path));
        Assert.Contains("element 4321 of array 'test.words'", e.Message);
    }
}
