using Corral.Engine.Gguf;
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
}
