using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Corral.Server.Tests.Infrastructure;
using Corral.Testing;

namespace Corral.Server.Tests.Native;

/// <summary><c>/api/create</c> with <c>quantize</c>: upstream's progress statuses, llama.cpp's exact bytes, upstream's refusal for quantized sources.</summary>
public class QuantizeCreateTests
{
    [Theory]
    [InlineData("q4_K_M", "llama-tiny-Q4_K_M.gguf")]
    [InlineData("Q8_0", "llama-tiny-Q8_0.gguf")]
    [InlineData("q2_k", "llama-tiny-Q2_K.gguf")]
    public async Task QuantizedBlobIsByteIdenticalToLlamaCpp(string quantize, string reference)
    {
        await using var server = await TestServer.StartAsync();
        string digest = await server.UploadBlobAsync(RepoPaths.SharedFile("models", "llama-tiny-F16.gguf"));
        var (status, lines) = await server.PostStreamAsync("/api/create", new JsonObject
        {
            ["model"] = "tiny-q",
            ["files"] = new JsonObject { ["llama-tiny-F16.gguf"] = digest },
            ["quantize"] = quantize,
        });
        Assert.Equal(200, status);
        var statuses = lines.Select(l => (string?)l["status"]).ToList();
        Assert.DoesNotContain(lines, l => l.ContainsKey("error"));
        Assert.Contains(statuses, s => s is not null && s.StartsWith("quantizing F16 model to ", StringComparison.Ordinal));
        Assert.Contains(lines, l => (string?)l["status"] is { } s && s.StartsWith("quantizing", StringComparison.Ordinal) && l["total"] != null && l["digest"]?.GetValue<string>() == "0000000000000000000");
        Assert.Equal("success", statuses[^1]);

        string expected = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(RepoPaths.SharedFile("models", reference))));
        var manifestPath = Path.Combine(server.ModelsDirectory, "manifests", "registry.ollama.ai", "library", "tiny-q", "latest");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        var modelLayer = manifest["layers"]!.AsArray().First(l => (string)l!["mediaType"]! == "application/vnd.ollama.image.model");
        Assert.Equal(expected, (string)modelLayer!["digest"]!);

    }

    [Fact]
    public async Task AlreadyQuantizedSourceIsRefused()
    {
        await using var server = await TestServer.StartAsync();
        string digest = await server.UploadBlobAsync(RepoPaths.SharedFile("models", "llama-tiny-Q4_0.gguf"));
        var (status, body, _) = await server.PostAsync("/api/create", new JsonObject
        {
            ["model"] = "x",
            ["files"] = new JsonObject { ["m.gguf"] = digest },
            ["quantize"] = "q8_0",
            ["stream"] = false,
        });
        Assert.Equal(500, status);
        Assert.Equal("quantization is only supported for F16, BF16 and F32 models", (string)body!["error"]!);
    }
}
