using System.Text.Json.Nodes;
using Corral.Server.Tests.Infrastructure;

namespace Corral.Server.Tests.Api;

/// <summary><c>/api/copy</c>, <c>/api/delete</c>, <c>/api/status</c> and the vision capability error (api.md §4.13–4.16, §1.12).</summary>
public class ManageRoutesTests
{
    [Fact]
    public async Task CopyAnswersAnEmptyBodyAndTheCopyIsListed()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var (status, text, _) = await server.SendAsync(HttpMethod.Post, "/api/copy", """{"source":"stories","destination":"alice/tales:v1"}""");
        Assert.Equal(200, status);
        Assert.Equal("", text);
        var tags = await server.GetJsonAsync("/api/tags");
        var names = tags["models"]!.AsArray().Select(m => (string)m!["name"]!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["alice/tales:v1", "stories:latest"], names);
        var digests = tags["models"]!.AsArray().Select(m => (string)m!["digest"]!).Distinct().ToList();
        Assert.Single(digests); // same manifest bytes

        await server.AssertErrorAsync("/api/copy", new JsonObject { ["source"] = "nope", ["destination"] = "x" }, 404, "model \"nope\" not found");
        await server.AssertErrorAsync("/api/copy", new JsonObject { ["source"] = "bad name", ["destination"] = "x" }, 400, "source \"bad name\" is invalid");
        await server.AssertErrorAsync("/api/copy", new JsonObject { ["source"] = "stories", ["destination"] = "" }, 400, "destination \"\" is invalid");
        await server.AssertErrorAsync("/api/copy", new JsonObject { ["source"] = "stories", ["destination"] = "ALICE/Tales:V1" }, 400, "a model with that name already exists");
    }

    [Fact]
    public async Task DeleteRemovesTheModelAndItsBlobs()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        await server.SendAsync(HttpMethod.Post, "/api/copy", """{"source":"stories","destination":"other"}""");
        string blobs = Path.Combine(server.ModelsDirectory, "blobs");
        int before = Directory.GetFiles(blobs).Length;

        var (status, text, _) = await server.SendAsync(HttpMethod.Delete, "/api/delete", """{"model":"other"}""");
        Assert.Equal(200, status);
        Assert.Equal("", text);
        Assert.Equal(before, Directory.GetFiles(blobs).Length); // still used by stories

        (status, text, _) = await server.SendAsync(HttpMethod.Delete, "/api/delete", """{"name":"Stories"}""");
        Assert.Equal(200, status);
        Assert.Empty(Directory.GetFiles(blobs));
        Assert.Empty((await server.GetJsonAsync("/api/tags"))["models"]!.AsArray());

        (status, text, _) = await server.SendAsync(HttpMethod.Delete, "/api/delete", """{"model":"stories"}""");
        Assert.Equal(404, status);
        Assert.Equal("""{"error":"model 'stories' not found"}""", text);
        (status, text, _) = await server.SendAsync(HttpMethod.Delete, "/api/delete", """{"model":"a b"}""");
        Assert.Equal(400, status);
        Assert.Equal("""{"error":"name \"a b\" is invalid"}""", text);
        (status, text, _) = await server.SendAsync(HttpMethod.Delete, "/api/delete");
        Assert.Equal(400, status);
        Assert.Equal("""{"error":"missing request body"}""", text);
        (status, text, _) = await server.SendAsync(HttpMethod.Post, "/api/delete", """{"model":"x"}""");
        Assert.Equal(405, status);
    }

    [Theory]
    [InlineData(null, false, "none")]
    [InlineData("1", true, "env")]
    public async Task StatusReportsTheCloudToggle(string? noCloud, bool disabled, string source)
    {
        var env = noCloud == null ? null : new Dictionary<string, string> { ["OLLAMA_NO_CLOUD"] = noCloud };
        await using var server = await TestServer.StartAsync(env);
        var (status, text, resp) = await server.SendAsync(HttpMethod.Get, "/api/status");
        Assert.Equal(200, status);
        Assert.Equal("application/json; charset=utf-8", ApiTestKit.ContentType(resp));
        Assert.Equal("{\"cloud\":{\"disabled\":" + (disabled ? "true" : "false") + ",\"source\":\"" + source + "\"}}", text);
    }

    [Fact]
    public async Task ImagesForAModelWithoutVisionGetTheCapabilityError()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        const string message = "registry.ollama.ai/library/stories:latest does not support vision";
        await server.AssertErrorAsync("/api/generate", new JsonObject { ["model"] = "stories", ["prompt"] = "hi", ["images"] = new JsonArray("aGVsbG8=") }, 400, message);
        await server.AssertErrorAsync("/api/chat", new JsonObject
        {
            ["model"] = "stories",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi", ["images"] = new JsonArray("aGVsbG8=") }),
        }, 400, message);
        Assert.Empty(server.Server.Scheduler.Snapshot()); // refused before loading
    }
}
