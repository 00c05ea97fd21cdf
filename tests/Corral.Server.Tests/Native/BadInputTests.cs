using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Corral.Server.Tests.Infrastructure;
using Corral.Testing;

namespace Corral.Server.Tests.Native;

/// <summary>
/// The walking skeleton's bad-input list through real HTTP: each gets its documented status and a one-line
/// message — never a 500 with a stack trace, never a hang.
/// </summary>
public class BadInputTests
{
    private static async Task<string> Upload(TestServer server, byte[] bytes)
    {
        string digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        using var resp = await server.Http.PostAsync("/api/blobs/" + digest, new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        return digest;
    }

    private static void AssertOneLineError(string text)
    {
        Assert.DoesNotContain("   at ", text);
        Assert.DoesNotContain("Exception", text);
        Assert.DoesNotContain('\n', text.TrimEnd());
    }

    [Fact]
    public async Task TruncatedGgufIsRefusedAtCreateWithWhatAndWhere()
    {
        await using var server = await TestServer.StartAsync();
        var bytes = File.ReadAllBytes(RepoPaths.SharedFile("models", "stories260K.gguf"));
        string digest = await Upload(server, bytes[..(bytes.Length / 2)]);
        var (status, body, text) = await server.PostAsync("/api/create", new JsonObject
        {
            ["model"] = "broken",
            ["files"] = new JsonObject { ["stories.gguf"] = digest },
            ["stream"] = false,
        });
        Assert.Equal(400, status);
        string error = (string)body!["error"]!;
        Assert.Contains("truncated GGUF file", error);
        Assert.Contains("tensor '", error); // names what is cut off and where
        AssertOneLineError(text);
        var (tagsStatus, tags, _) = await server.PostAsync("/api/show", new JsonObject { ["model"] = "broken" });
        Assert.Equal(404, tagsStatus);
        _ = tags;
    }

    [Fact]
    public async Task NonGgufFileIsRefusedAtCreate()
    {
        await using var server = await TestServer.StartAsync();
        string digest = await Upload(server, Encoding.UTF8.GetBytes("this is not a model, just some text\n"));
        var (status, body, text) = await server.PostAsync("/api/create", new JsonObject
        {
            ["model"] = "text",
            ["files"] = new JsonObject { ["model.gguf"] = digest },
            ["stream"] = false,
        });
        Assert.Equal(400, status);
        Assert.Equal("supplied file was not in GGUF format", (string)body!["error"]!);
        AssertOneLineError(text);
    }

    [Fact]
    public async Task WrongDigestStoresNothing()
    {
        await using var server = await TestServer.StartAsync();
        string wrong = "sha256:" + new string('a', 64);
        using var resp = await server.Http.PostAsync("/api/blobs/" + wrong, new StringContent("test"));
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        string text = await resp.Content.ReadAsStringAsync();
        Assert.Equal("""{"error":"digest mismatch, expected \"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", got \"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\""}""", text);
        using var head = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/blobs/" + wrong));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Empty(Directory.GetFiles(Path.Combine(server.ModelsDirectory, "blobs")));
    }

    [Fact]
    public async Task UnknownModelMalformedJsonAndEmptyBody()
    {
        await using var server = await TestServer.StartAsync();
        var (s1, b1, _) = await server.PostAsync("/api/generate", new JsonObject { ["model"] = "nope", ["prompt"] = "hi" });
        Assert.Equal(404, s1);
        Assert.Equal("model 'nope' not found", (string)b1!["error"]!);

        using var malformed = await server.Http.PostAsync("/api/generate", new StringContent("{\"model\": \"nope\", \"prompt\": ", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        string malformedText = await malformed.Content.ReadAsStringAsync();
        Assert.StartsWith("{\"error\":\"", malformedText);
        AssertOneLineError(malformedText);

        using var wrongType = await server.Http.PostAsync("/api/chat", new StringContent("{\"model\":\"x\",\"stream\":\"yes\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);

        using var empty = await server.Http.PostAsync("/api/chat", new ByteArrayContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("""{"error":"missing request body"}""", await empty.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task EmptyPromptLoadsTheModelAndReturnsDone()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateModelAsync("stories", RepoPaths.SharedFile("models", "stories260K.gguf"));
        var (status, body, _) = await server.PostAsync("/api/generate", new JsonObject { ["model"] = "stories", ["prompt"] = "" });
        Assert.Equal(200, status);
        Assert.True((bool)body!["done"]!);
        Assert.Equal("load", (string)body["done_reason"]!);
        Assert.Equal("", (string)body["response"]!);
        Assert.Single(server.Server.Scheduler.Snapshot());
    }
}
