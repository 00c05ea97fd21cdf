using System.Security.Cryptography;
using System.Text;

namespace Corral.Store.Tests.Store;

public class ManifestTests
{
    private static readonly string D1 = "sha256:" + new string('1', 64);
    private static readonly string D2 = "sha256:" + new string('2', 64);
    private static readonly string DC = "sha256:" + new string('c', 64);

    [Fact]
    public void Create_WritesCompactGoJsonInFieldOrderWithNewline()
    {
        var m = Manifest.Create(new ManifestLayer(MediaTypes.Config, DC, 487),
        [
            new ManifestLayer(MediaTypes.Model, D1, 1000, From: "/tmp/a<b>.gguf"),
            new ManifestLayer(MediaTypes.Template, D2, 12, Name: "t"),
        ]);
        string expected =
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\"," +
            "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"" + DC + "\",\"size\":487}," +
            "\"layers\":[{\"mediaType\":\"application/vnd.ollama.image.model\",\"digest\":\"" + D1 + "\",\"size\":1000,\"from\":\"/tmp/a\\u003cb\\u003e.gguf\"}," +
            "{\"mediaType\":\"application/vnd.ollama.image.template\",\"digest\":\"" + D2 + "\",\"size\":12,\"name\":\"t\"}]}\n";
        Assert.Equal(expected, Encoding.UTF8.GetString(m.Bytes));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(m.Bytes)), m.Digest);
        Assert.Equal(1000 + 12 + 487, m.TotalSize);
        Assert.Equal([D1, D2, DC], m.ReferencedDigests);
    }

    [Fact]
    public void Parse_KeepsBytesExactlyAndReadsGoStyle()
    {
        // Pretty-printed, different key case, unknown keys, trailing data after the value: all as Go's decoder treats them.
        string text = "{\n  \"SchemaVersion\": 2,\n  \"mediaType\": \"" + MediaTypes.Manifest + "\",\n  \"config\": {\"mediaType\": \"" + MediaTypes.Config +
                      "\", \"digest\": \"" + DC + "\", \"size\": 7},\n  \"layers\": [{\"MEDIATYPE\": \"" + MediaTypes.Model + "\", \"digest\": \"" + D1 +
                      "\", \"size\": 100, \"urls\": []}],\n  \"annotations\": {}\n}\n  trailing";
        var bytes = Encoding.UTF8.GetBytes(text);
        var m = Manifest.Parse(bytes);
        Assert.Same(bytes, m.Bytes);
        Assert.Equal(2, m.SchemaVersion);
        Assert.Equal(DC, m.Config.Digest);
        Assert.Single(m.Layers);
        Assert.Equal(MediaTypes.Model, m.Layers[0].MediaType);
        Assert.Equal(107, m.TotalSize);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), m.Digest);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"layers\":{}}")]
    [InlineData("{\"layers\":[{\"size\":\"12\"}]}")]
    [InlineData("{\"layers\":[{\"size\":1.5}]}")]
    [InlineData("{\"schemaVersion\":\"2\"}")]
    [InlineData("{\"config\":[]}")]
    public void Parse_RejectsMalformedManifests(string text)
    {
        var e = Assert.Throws<ManifestFormatException>(() => Manifest.Parse(Encoding.UTF8.GetBytes(text), "x/y/z:t"));
        Assert.StartsWith("invalid manifest x/y/z:t: ", e.Message);
    }

    [Fact]
    public void Parse_NullLayersAndMissingConfig()
    {
        var m = Manifest.Parse("{\"schemaVersion\":2,\"layers\":null}"u8.ToArray());
        Assert.Empty(m.Layers);
        Assert.Equal("", m.Config.Digest);
        Assert.Empty(m.ReferencedDigests);
    }

    [Fact]
    public void Config_WritesUpstreamFieldOrderAndOmitsEmpties()
    {
        var c = ModelConfig.NewLocal() with { ModelFormat = "gguf", ModelFamily = "llama", ModelFamilies = ["llama"], ModelType = "3.41M", FileType = "F16" };
        Assert.Equal("{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"model_families\":[\"llama\"],\"model_type\":\"3.41M\",\"file_type\":\"F16\",\"architecture\":\"amd64\",\"os\":\"linux\"}\n",
            Encoding.UTF8.GetString(c.ToJsonBytes()));

        Assert.Equal("{\"model_format\":\"\",\"model_family\":\"\",\"model_families\":null,\"model_type\":\"\",\"file_type\":\"\",\"architecture\":\"\",\"os\":\"\"}\n",
            Encoding.UTF8.GetString(new ModelConfig().ToJsonBytes()));

        var full = c with
        {
            Renderer = "r", Parser = "p", Requires = "0.14.0", RemoteHost = "https://ollama.com:443", RemoteModel = "m",
            Capabilities = ["completion", "tools"], ContextLength = 4096, EmbeddingLength = 256, BaseName = "b",
            Draft = new DraftConfig(ModelFormat: "gguf", Architecture: "llama"),
        };
        Assert.Equal("{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"model_families\":[\"llama\"],\"model_type\":\"3.41M\",\"file_type\":\"F16\"," +
                     "\"renderer\":\"r\",\"parser\":\"p\",\"requires\":\"0.14.0\",\"remote_host\":\"https://ollama.com:443\",\"remote_model\":\"m\"," +
                     "\"capabilities\":[\"completion\",\"tools\"],\"context_length\":4096,\"embedding_length\":256,\"base_name\":\"b\"," +
                     "\"draft\":{\"model_format\":\"gguf\",\"architecture\":\"llama\"},\"architecture\":\"amd64\",\"os\":\"linux\"}\n",
            Encoding.UTF8.GetString(full.ToJsonBytes()));
        var back = ModelConfig.Parse(full.ToJsonBytes());
        Assert.Equal(full.ToJsonBytes(), back.ToJsonBytes());
    }

    [Fact]
    public void Config_ParseIgnoresUnknownFieldsAndMatchesKeysCaseInsensitively()
    {
        var c = ModelConfig.Parse(Encoding.UTF8.GetBytes(
            "{\"Model_Format\":\"gguf\",\"model_family\":\"llama\",\"model_families\":null,\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"file_type\":\"Q4_K_M\",\"architecture\":\"amd64\",\"os\":\"linux\"}"));
        Assert.Equal("gguf", c.ModelFormat);
        Assert.Equal("Q4_K_M", c.FileType);
        Assert.Null(c.ModelFamilies);
        Assert.True(c.IsGguf);
        Assert.True(new ModelConfig().IsGguf);
        Assert.Throws<ManifestFormatException>(() => ModelConfig.Parse("{\"context_length\":\"x\"}"u8.ToArray()));
        Assert.Throws<ManifestFormatException>(() => ModelConfig.Parse("{\"model_families\":[1]}"u8.ToArray()));
    }
}
