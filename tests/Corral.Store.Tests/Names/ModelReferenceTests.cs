using Corral.Store;

namespace Corral.Store.Tests.Names;

public class ModelReferenceTests
{
    [Theory]
    [InlineData("gpt-oss:20b:cloud", "gpt-oss:20b", ModelSource.Cloud)]
    [InlineData("gpt-oss:20b:CLOUD", "gpt-oss:20b", ModelSource.Cloud)]
    [InlineData("gpt-oss:20b-cloud", "gpt-oss:20b", ModelSource.Cloud)]
    [InlineData("qwen3:cloud", "qwen3", ModelSource.Cloud)]
    [InlineData("qwen3:8b:local", "qwen3:8b", ModelSource.Local)]
    [InlineData("qwen3:Local", "qwen3", ModelSource.Local)]
    [InlineData("llama3.2", "llama3.2", ModelSource.Unspecified)]
    [InlineData("  llama3.2  ", "llama3.2", ModelSource.Unspecified)]
    [InlineData("my-cloud-model", "my-cloud-model", ModelSource.Unspecified)]
    [InlineData("foo:bar-cloud/baz", "foo:bar-cloud/baz", ModelSource.Unspecified)]
    [InlineData("localhost:11434/library/foo:cloud", "localhost:11434/library/foo", ModelSource.Cloud)]
    public void Parse_StripsExplicitSourceSuffixes(string input, string baseName, ModelSource source)
    {
        var r = ModelReference.Parse(input);
        Assert.Equal(baseName, r.Base);
        Assert.Equal(source, r.Source);
        Assert.Equal(input.Trim(), r.Original);
        Assert.Equal(source == ModelSource.Cloud, ModelReference.HasExplicitCloudSource(input));
        Assert.Equal(source == ModelSource.Local, ModelReference.HasExplicitLocalSource(input));
    }

    [Theory]
    [InlineData("foo:cloud:local")]
    [InlineData("foo:local:cloud")]
    [InlineData("foo:8b-cloud:local")]
    [InlineData("foo:cloud:cloud")]
    public void Parse_TwoSuffixesAreAnError(string input)
    {
        var e = Assert.Throws<ModelReferenceException>(() => ModelReference.Parse(input));
        Assert.Equal($"use either :local or :cloud, not both: \"{input}\"", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Parse_EmptyIsModelRequired(string input)
    {
        var e = Assert.Throws<ModelReferenceException>(() => ModelReference.Parse(input));
        Assert.Equal("model is required", e.Message);
    }

    [Theory]
    [InlineData("gpt-oss:20b:cloud", "gpt-oss:20b", true)]
    [InlineData("gpt-oss:20b-cloud", "gpt-oss:20b", true)]
    [InlineData("qwen3:8b:local", "qwen3:8b:local", false)]
    [InlineData(" llama3.2 ", "llama3.2", false)]
    public void StripCloudSource(string input, string name, bool cloud)
    {
        Assert.Equal((name, cloud), ModelReference.StripCloudSource(input));
    }

    [Theory]
    [InlineData("gpt-oss:20b:local", "gpt-oss:20b", false)]
    [InlineData("gpt-oss:20b:cloud", "gpt-oss:20b-cloud", true)]
    [InlineData("gpt-oss:20b-cloud", "gpt-oss:20b-cloud", true)]
    [InlineData("qwen3:cloud", "qwen3:cloud", true)]
    [InlineData("localhost:11434/library/foo:cloud", "localhost:11434/library/foo:cloud", true)]
    [InlineData("llama3.2", "llama3.2", false)]
    public void NormalizePullName_MapsCloudReferencesToLegacyStubNames(string input, string name, bool cloud)
    {
        Assert.Equal((name, cloud), ModelReference.NormalizePullName(input));
    }

    [Fact]
    public void NormalizePullName_Conflict()
    {
        Assert.Throws<ModelReferenceException>(() => ModelReference.NormalizePullName("foo:cloud:local"));
    }

    [Theory]
    [InlineData("some-model", false)]
    [InlineData("some-model:9b", true)]
    [InlineData("some-model:latest", true)]
    [InlineData("user/some-model", false)]
    [InlineData("user/some-model:9b", true)]
    [InlineData("registry.example.com:5000/some-model", false)]
    [InlineData("registry.example.com:5000/some-model:9b", true)]
    public void HasExplicitTag(string input, bool expected) => Assert.Equal(expected, ModelReference.HasExplicitTag(input));
}
