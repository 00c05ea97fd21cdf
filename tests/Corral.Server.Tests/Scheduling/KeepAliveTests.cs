using System.Text.Json.Nodes;
using Corral.Server.Tests.Api;
using Corral.Server.Tests.Infrastructure;
using Corral.Testing;

namespace Corral.Server.Tests.Scheduling;

/// <summary><c>keep_alive</c> and <c>OLLAMA_KEEP_ALIVE</c> as <c>/api/ps</c> shows them (api.md §1.7, §4.9; runtime.md §8.7).</summary>
public class KeepAliveTests
{
    private static JsonObject Generate(string model, JsonNode? keepAlive = null, string prompt = "Once upon a time")
    {
        var o = new JsonObject { ["model"] = model, ["prompt"] = prompt, ["stream"] = false, ["options"] = ApiTestKit.Greedy(4) };
        if (keepAlive != null) o["keep_alive"] = keepAlive;
        return o;
    }

    private static void AssertExpiresIn(JsonObject ps, TimeSpan expected, int index = 0)
    {
        var at = ApiTestKit.Time(ps["models"]![index]!["expires_at"]);
        var delta = at - DateTimeOffset.Now;
        Assert.True(Math.Abs((delta - expected).TotalSeconds) < 20, $"expires_at {at:o} is {delta} from now; expected about {expected}");
    }

    [Fact]
    public async Task PsShowsTheLoadedModelWithItsExpiryAndContext()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync(new Dictionary<string, string> { ["OLLAMA_CONTEXT_LENGTH"] = "100" });
        var (status, text, resp) = await server.SendAsync(HttpMethod.Get, "/api/ps");
        Assert.Equal("""{"models":[]}""", text);
        Assert.Equal("application/json; charset=utf-8", ApiTestKit.ContentType(resp));

        await server.PostOkAsync("/api/generate", Generate("stories"));
        var ps = await server.GetJsonAsync("/api/ps");
        var m = ps["models"]![0]!.AsObject();
        Assert.Equal(["name", "model", "size", "digest", "details", "expires_at", "size_vram", "context_length"], m.Select(kv => kv.Key));
        Assert.Equal("stories:latest", (string?)m["name"]);
        Assert.Equal("stories:latest", (string?)m["model"]);
        var tags = await server.GetJsonAsync("/api/tags");
        Assert.Equal((string?)tags["models"]![0]!["digest"], (string?)m["digest"]);
        Assert.Equal(100, (int)m["context_length"]!);
        Assert.True((long)m["size"]! > new FileInfo(ApiTestKit.Stories).Length); // weights + KV cache
        Assert.Equal(0, (long)m["size_vram"]!);
        Assert.Equal(["parent_model", "format", "family", "families", "parameter_size", "quantization_level"], m["details"]!.AsObject().Select(kv => kv.Key));
        AssertExpiresIn(ps, TimeSpan.FromMinutes(5)); // OLLAMA_KEEP_ALIVE default
    }

    [Fact]
    public async Task KeepAliveValuesSetTheExpiry()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        await server.PostOkAsync("/api/generate", Generate("stories", "10m"));
        AssertExpiresIn(await server.GetJsonAsync("/api/ps"), TimeSpan.FromMinutes(10));
        await server.PostOkAsync("/api/generate", Generate("stories", 90));
        AssertExpiresIn(await server.GetJsonAsync("/api/ps"), TimeSpan.FromSeconds(90));
        await server.PostOkAsync("/api/generate", Generate("stories", "1h30m"));
        AssertExpiresIn(await server.GetJsonAsync("/api/ps"), TimeSpan.FromMinutes(90));

        // Negative = forever (about 292 years ahead), and a later request without keep_alive keeps it.
        await server.PostOkAsync("/api/generate", Generate("stories", -1));
        var forever = ApiTestKit.Time((await server.GetJsonAsync("/api/ps"))["models"]![0]!["expires_at"]);
        Assert.InRange(forever.Year, DateTime.Now.Year + 290, DateTime.Now.Year + 293);
        await server.PostOkAsync("/api/generate", Generate("stories"));
        Assert.InRange(ApiTestKit.Time((await server.GetJsonAsync("/api/ps"))["models"]![0]!["expires_at"]).Year, DateTime.Now.Year + 290, DateTime.Now.Year + 293);
        await server.PostOkAsync("/api/generate", Generate("stories", "-5m"));
        Assert.InRange(ApiTestKit.Time((await server.GetJsonAsync("/api/ps"))["models"]![0]!["expires_at"]).Year, DateTime.Now.Year + 290, DateTime.Now.Year + 293);

        // A unit-less string is a request error; other JSON types too.
        var (status, body, _) = await server.PostAsync("/api/generate", Generate("stories", "300"));
        Assert.Equal(400, status);
        Assert.Equal("time: missing unit in duration \"300\"", (string?)body!["error"]);
        (status, body, _) = await server.PostAsync("/api/generate", Generate("stories", true));
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task EnvironmentDefaultAppliesOnlyWhenAModelLoads()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync(new Dictionary<string, string> { ["OLLAMA_KEEP_ALIVE"] = "120" });
        await server.PostOkAsync("/api/generate", Generate("stories"));
        AssertExpiresIn(await server.GetJsonAsync("/api/ps"), TimeSpan.FromSeconds(120));
        await server.PostOkAsync("/api/generate", Generate("stories", "30m"));
        await server.PostOkAsync("/api/generate", Generate("stories")); // keeps 30m
        AssertExpiresIn(await server.GetJsonAsync("/api/ps"), TimeSpan.FromMinutes(30));
    }

    [Fact]
    public async Task KeepAliveZeroUnloadsAsSoonAsTheRequestEnds()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var body = await server.PostOkAsync("/api/generate", Generate("stories", 0));
        Assert.Equal("length", (string?)body!["done_reason"]);
        Assert.Equal("""{"models":[]}""", (await server.SendAsync(HttpMethod.Get, "/api/ps")).Text);

        // Streaming chat too: /api/ps is empty right after the last line.
        var (status, lines) = await server.PostStreamAsync("/api/chat", new JsonObject
        {
            ["model"] = "stories",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Lily" }),
            ["keep_alive"] = "0s",
            ["options"] = ApiTestKit.Greedy(4),
        });
        Assert.Equal(200, status);
        Assert.True((bool)lines[^1]["done"]!);
        Assert.Equal("""{"models":[]}""", (await server.SendAsync(HttpMethod.Get, "/api/ps")).Text);
    }

    [Fact]
    public async Task EmptyPromptLoadsAndKeepAliveZeroUnloads()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        var load = await server.PostOkAsync("/api/generate", new JsonObject { ["model"] = "stories" });
        Assert.Equal(["model", "created_at", "response", "done", "done_reason"], load!.Select(kv => kv.Key).Take(5));
        Assert.Equal("load", (string?)load!["done_reason"]);
        Assert.Single((await server.GetJsonAsync("/api/ps"))["models"]!.AsArray());

        var unload = await server.PostOkAsync("/api/chat", new JsonObject { ["model"] = "stories", ["keep_alive"] = 0 });
        Assert.Equal("unload", (string?)unload!["done_reason"]);
        Assert.Equal("""{"role":"assistant","content":""}""", unload["message"]!.ToJsonString());
        Assert.Empty((await server.GetJsonAsync("/api/ps"))["models"]!.AsArray());
    }

    [Fact]
    public async Task AnIdleModelUnloadsWhenItsKeepAliveExpires()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        await server.PostOkAsync("/api/generate", Generate("stories", "1s"));
        Assert.Single((await server.GetJsonAsync("/api/ps"))["models"]!.AsArray());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (server.Server.Scheduler.Snapshot().Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Empty((await server.GetJsonAsync("/api/ps"))["models"]!.AsArray());
    }

    [Fact]
    public async Task PsSortsByExpiryDescending()
    {
        await using var server = await ApiTestKit.StartWithStoriesAsync();
        await server.CreateModelAsync("small", RepoPaths.SharedFile("models", "llama-tiny-F16.gguf"));
        await server.PostOkAsync("/api/generate", Generate("stories", "2m"));
        await server.PostOkAsync("/api/generate", Generate("small", "1h"));
        var ps = await server.GetJsonAsync("/api/ps");
        Assert.Equal(["small:latest", "stories:latest"], ps["models"]!.AsArray().Select(m => (string)m!["name"]!));
        AssertExpiresIn(ps, TimeSpan.FromHours(1), 0);
        AssertExpiresIn(ps, TimeSpan.FromMinutes(2), 1);
    }
}
