using Corral.Store.Modelfiles;
using Corral.Testing;

namespace Corral.Store.Tests.Modelfiles;

public class ModelFileDiscoveryTests
{
    private static readonly byte[] Binary = Enumerable.Range(0, 512).Select(i => (byte)i).ToArray();
    private static readonly byte[] Zip = [0x50, 0x4B, 0x03, 0x04];

    private static List<string> Discover(params (string Name, byte[] Content)[] files)
    {
        using var dir = new TempDir();
        foreach (var (name, content) in files)
        {
            var path = Path.Combine(dir.Path, name.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, content);
        }
        return ModelFileDiscovery.FilesForModel(dir.Path)
            .Select(f => Path.GetRelativePath(dir.Path, f).Replace(Path.DirectorySeparatorChar, '/'))
            .ToList();
    }

    private static readonly byte[] Text = "test content"u8.ToArray();
    private static readonly byte[] Json = "{\"config\": true}"u8.ToArray();

    [Fact]
    public void SafetensorsWithConfigAndChatTemplate() => Assert.Equal(
        ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "config.json", "tokenizer.json", "chat_template.jinja"],
        Discover(("model-00001-of-00002.safetensors", Text), ("model-00002-of-00002.safetensors", Text), ("config.json", Text),
            ("tokenizer.json", Text), ("chat_template.jinja", Text)));

    [Fact]
    public void SafetensorsWithBinaryTokenizerModel() => Assert.Equal(
        ["model-00001-of-00001.safetensors", "config.json", "tokenizer.json", "tokenizer.model"],
        Discover(("model-00001-of-00001.safetensors", Text), ("config.json", Text), ("tokenizer.json", Text), ("tokenizer.model", Binary)));

    [Fact]
    public void SentenceTransformerModulesOneLevelDown() => Assert.Equal(
        ["model.safetensors", "2_Dense/model.safetensors", "3_Dense/model.safetensors", "config.json", "modules.json", "2_Dense/config.json", "3_Dense/config.json"],
        Discover(("model.safetensors", Text), ("config.json", Text), ("modules.json", Text), ("2_Dense/config.json", Text),
            ("2_Dense/model.safetensors", Text), ("3_Dense/config.json", Text), ("3_Dense/model.safetensors", Text)));

    [Fact]
    public void ModelFilesWinOverConsolidated() => Assert.Equal(
        ["model-00001-of-00001.safetensors", "config.json"],
        Discover(("model-00001-of-00001.safetensors", Text), ("consolidated.safetensors", Text), ("config.json", Text)));

    [Fact]
    public void ConsolidatedSafetensors() => Assert.Equal(
        ["consolidated.safetensors", "config.json"], Discover(("consolidated.safetensors", Text), ("config.json", Text)));

    [Fact]
    public void PytorchZipFiles() => Assert.Equal(
        ["pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin", "config.json"],
        Discover(("pytorch_model-00001-of-00002.bin", Zip), ("pytorch_model-00002-of-00002.bin", Zip), ("config.json", Json)));

    [Fact]
    public void ConsolidatedPth() => Assert.Equal(
        ["consolidated.00.pth", "consolidated.01.pth", "config.json"],
        Discover(("consolidated.00.pth", Zip), ("consolidated.01.pth", Zip), ("config.json", Json)));

    [Fact]
    public void GgufFiles() => Assert.Equal(["model.gguf", "config.json"], Discover(("model.gguf", Binary), ("config.json", Json)));

    [Fact]
    public void BinFilesAsGguf() => Assert.Equal(["model.bin", "config.json"], Discover(("model.bin", Binary), ("config.json", Json)));

    [Fact]
    public void NothingRecognised()
    {
        var e = Assert.Throws<ModelfileException>(() => Discover(("README.md", Text), ("config.json", Text)));
        Assert.Equal("no Modelfile or safetensors files found", e.Message);
    }

    [Fact]
    public void PytorchFileThatIsNotAZipIsNotAModel()
    {
        Assert.Throws<ModelfileException>(() => Discover(("pytorch_model.bin", Text), ("config.json", Text)));
    }

    [Fact]
    public void BinaryJsonIsAContentTypeError()
    {
        var e = Assert.Throws<ModelfileException>(() => Discover(("model.gguf", Binary), ("config.json", Binary)));
        Assert.StartsWith("invalid content type: expected application/octet-stream for ", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0 }, "application/zip")]
    [InlineData(new byte[] { (byte)'G', (byte)'G', (byte)'U', (byte)'F', 3, 0, 0, 0 }, "application/octet-stream")]
    [InlineData(new byte[] { (byte)'{', (byte)'}', (byte)'\n', (byte)'\t', (byte)'\r' }, "text/plain")]
    [InlineData(new byte[0], "text/plain")]
    [InlineData(new byte[] { 0x1B }, "text/plain")]
    [InlineData(new byte[] { 0x1C }, "application/octet-stream")]
    public void ContentSniffing(byte[] data, string type) => Assert.Equal(type, ContentTypes.Detect(data));
}
