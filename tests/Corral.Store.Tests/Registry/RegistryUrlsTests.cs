using Corral.Store.Registry;

namespace Corral.Store.Tests.Registry;

public sealed class RegistryUrlsTests
{
    [Theory]
    [InlineData("llama3.2", false, "https://registry.ollama.ai/v2/library/llama3.2/manifests/latest")]
    [InlineData("alice/m:v1", false, "https://registry.ollama.ai/v2/alice/m/manifests/v1")]
    [InlineData("example.com:5000/ns/m:t", false, "https://example.com:5000/v2/ns/m/manifests/t")]
    [InlineData("example.com:5000/ns/m:t", true, "http://example.com:5000/v2/ns/m/manifests/t")]
    [InlineData("http://10.0.0.2:11434/library/tiny", false, "http://10.0.0.2:11434/v2/library/tiny/manifests/latest")]
    // Hugging Face names are ordinary names on host hf.co: user is the namespace, repo the model, the quant the tag.
    [InlineData("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", false, "https://hf.co/v2/bartowski/Llama-3.2-1B-Instruct-GGUF/manifests/Q4_K_M")]
    [InlineData("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF", false, "https://hf.co/v2/bartowski/Llama-3.2-1B-Instruct-GGUF/manifests/latest")]
    [InlineData("huggingface.co/unsloth/gemma-3-1b-it-GGUF:iq3_m", false, "https://huggingface.co/v2/unsloth/gemma-3-1b-it-GGUF/manifests/iq3_m")]
    public void Manifest_url(string name, bool insecure, string expected)
    {
        var n = ModelName.Parse(name);
        Assert.True(n.IsValid);
        Assert.Equal(expected, RegistryUrls.Manifest(n, insecure).AbsoluteUri);
    }

    [Fact]
    public void Blob_and_upload_urls()
    {
        var n = ModelName.Parse("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M");
        string digest = "sha256:" + new string('a', 64);
        Assert.Equal($"https://hf.co/v2/bartowski/Llama-3.2-1B-Instruct-GGUF/blobs/{digest}", RegistryUrls.Blob(n, digest, false).AbsoluteUri);
        Assert.Equal("http://hf.co/v2/bartowski/Llama-3.2-1B-Instruct-GGUF/blobs/uploads/", RegistryUrls.Uploads(n, true).AbsoluteUri);
        Assert.Equal("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", n.DisplayShortest);
    }

    [Theory]
    [InlineData(2_019_377_376L, 126_211_086L)]  // total/16 inside the bounds
    [InlineData(637_699_456L, 100_000_000L)]    // clamped up to 100 MB
    [InlineData(70L, 100_000_000L)]             // tiny blobs are one part
    [InlineData(40_000_000_000L, 1_000_000_000L)] // clamped down to 1 GB
    public void Part_size_follows_upstream(long total, long expected) =>
        Assert.Equal(expected, new RegistryClientOptions().PartSizeFor(total));

    [Fact]
    public void User_agent_leads_with_ollama_version()
    {
        string ua = RegistryClientOptions.UserAgentFor("0.33.0", "0.1.0");
        Assert.Matches(@"^ollama/0\.33\.0 \((amd64|arm64|386|arm|[a-z0-9]+) (linux|darwin|windows|unknown)\) Go/go1\.24\.1 corral/0\.1\.0$", ua);
    }
}
