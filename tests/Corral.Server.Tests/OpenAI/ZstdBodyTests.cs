using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Corral.Server.Http;
using Corral.Server.Tests.Api;
using Corral.Server.Tests.Infrastructure;
using ZstdSharp;

namespace Corral.Server.Tests.OpenAI;

/// <summary><c>Content-Encoding: zstd</c> request bodies (api.md §1.10): decoded on the compat routes only, 20 MiB at most.</summary>
public class ZstdBodyTests
{
    private static async Task<(int Status, string Text)> PostAsync(TestServer server, string path, byte[] body, string encoding = "zstd")
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        req.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        req.Content.Headers.ContentEncoding.Add(encoding);
        using var resp = await server.Http.SendAsync(req);
        return ((int)resp.StatusCode, await resp.Content.ReadAsStringAsync());
    }

    private static byte[] Zstd(string text)
    {
        using var compressor = new Compressor(3);
        return compressor.Wrap(Encoding.UTF8.GetBytes(text)).ToArray();
    }

    private static string Chat(string content) => new JsonObject
    {
        ["model"] = "stories",
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = content }),
        ["max_tokens"] = 8,
        ["temperature"] = 0,
    }.ToJsonString();

    [Fact]
    public async Task CompatRoutesDecodeZstdBodiesAndAnswerAsForThePlainBody()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var (plainStatus, plainText, _) = await server.SendAsync(HttpMethod.Post, "/v1/chat/completions", Chat("Once upon a time"));
        Assert.Equal(200, plainStatus);
        var (status, text) = await PostAsync(server, "/v1/chat/completions", Zstd(Chat("Once upon a time")));
        Assert.Equal(200, status);
        var plain = JsonNode.Parse(plainText)!;
        var zstd = JsonNode.Parse(text)!;
        Assert.Equal((string?)plain["choices"]![0]!["message"]!["content"], (string?)zstd["choices"]![0]!["message"]!["content"]);
        Assert.Equal((int)plain["usage"]!["prompt_tokens"]!, (int)zstd["usage"]!["prompt_tokens"]!);

        var (embedStatus, embedText) = await PostAsync(server, "/v1/embeddings", Zstd("""{"model":"stories","input":"hello"}"""));
        Assert.Equal(200, embedStatus);
        Assert.Equal("list", (string?)JsonNode.Parse(embedText)!["object"]);
    }

    [Fact]
    public async Task AnUndecodableBodyIsA400InTheNativeShape()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var (status, text) = await PostAsync(server, "/v1/chat/completions", Encoding.UTF8.GetBytes(Chat("not compressed")));
        Assert.Equal(400, status);
        var body = (JsonObject)JsonNode.Parse(text)!;
        Assert.Equal(["error"], body.Select(kv => kv.Key)); // {"error": "..."}, not the OpenAI {"error": {...}} object
        Assert.StartsWith("invalid zstd request body", (string?)body["error"]);
    }

    [Fact]
    public async Task ABodyCutOffIsA400()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var whole = Zstd(Chat(string.Concat(Enumerable.Range(0, 2000).Select(i => $"word{i} "))));
        var (status, text) = await PostAsync(server, "/v1/chat/completions", whole[..(whole.Length / 2)]);
        Assert.Equal(400, status);
        Assert.StartsWith("invalid zstd request body", (string?)JsonNode.Parse(text)!["error"]);
    }

    [Fact]
    public async Task MoreThan20MiBDecompressedIsRefused()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var big = Chat(new string('a', (int)ZstdRequestBodies.MaxDecodedBytes)); // compresses to a few KB
        var (status, text) = await PostAsync(server, "/v1/chat/completions", Zstd(big));
        Assert.Equal(400, status);
        Assert.Contains("more than 20 MiB", (string?)JsonNode.Parse(text)!["error"]);
    }

    [Fact]
    public async Task NativeRoutesTakeTheBodyAsSent()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var (status, text) = await PostAsync(server, "/api/generate", Zstd("""{"model":"stories","prompt":"hi","stream":false}"""));
        Assert.Equal(400, status); // compressed bytes are not JSON
        Assert.StartsWith("invalid JSON", (string?)JsonNode.Parse(text)!["error"]);
    }
}
