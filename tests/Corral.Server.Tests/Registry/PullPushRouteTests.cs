using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Corral.Server.Registry;
using Corral.Server.Tests.Infrastructure;
using Corral.Store;
using Corral.Store.Registry;

namespace Corral.Server.Tests.Registry;

/// <summary><c>/api/pull</c> and <c>/api/push</c> over HTTP against a <see cref="TestRegistry"/>, and the key pair made at start.</summary>
public sealed class PullPushRouteTests
{
    internal static async Task<TestServer> StartServerAsync(IReadOnlyDictionary<string, string>? env = null)
    {
        var server = await TestServer.StartAsync(env);
        ServerRegistry.Configure(server.Server, o => o with
        {
            PartCount = 16,
            MinPartSize = 16 * 1024,
            RetryDelay = _ => TimeSpan.FromMilliseconds(10),
            ProgressInterval = TimeSpan.FromMilliseconds(20),
        });
        return server;
    }

    [Fact]
    public async Task Server_start_creates_the_key_pair_used_for_registry_auth()
    {
        await using var server = await StartServerAsync();
        string home = server.Server.Config.HomeDirectory;
        var key = RegistryKey.Load(RegistryKeyFiles.PrivateKeyPath(home));
        Assert.Equal(key.PublicKeyLine + "\n", File.ReadAllText(RegistryKeyFiles.PublicKeyPath(home)));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(RegistryKeyFiles.PrivateKeyPath(home)));

        await using var registry = await TestRegistry.StartAsync();
        TestModel.Create(31).Publish(registry, "library/tiny", "latest");
        var (status, _) = await server.PostStreamAsync("/api/pull", new JsonObject { ["model"] = $"{registry.Host}/library/tiny", ["insecure"] = true });
        Assert.Equal(200, status);
        Assert.Equal([key.PublicKeyLine], registry.TokenKeys);
    }

    [Fact]
    public async Task Pull_streams_upstream_progress_lines_and_the_model_is_listed()
    {
        await using var registry = await TestRegistry.StartAsync();
        var model = TestModel.Create(32);
        model.Publish(registry, "library/tiny", "latest");
        await using var server = await StartServerAsync();

        using var response = await server.Http.PostAsync("/api/pull",
            new StringContent($"{{\"model\":\"{registry.Host}/library/tiny\",\"insecure\":true}}", Encoding.UTF8, "application/json"));
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();

        Assert.Equal("{\"status\":\"pulling manifest\"}", lines[0].ToJsonString());
        var statuses = lines.Select(l => (string)l["status"]!).Distinct().ToList();
        Assert.Equal(
            ["pulling manifest", $"pulling {model.ModelLayer.Short}", $"pulling {model.Layers[1].Short}", $"pulling {model.Config.Short}",
             "verifying sha256 digest", "writing manifest", "success"],
            statuses);
        foreach (var line in lines.Where(l => l.ContainsKey("digest")))
        {
            // digest/total/completed only while a blob moves; completed omitted while 0.
            Assert.StartsWith("sha256:", (string)line["digest"]!);
            Assert.True((long)line["total"]! > 0);
            Assert.True(!line.ContainsKey("completed") || (long)line["completed"]! > 0);
        }
        var final = lines.Last(l => (string?)l["digest"] == model.ModelLayer.Digest);
        Assert.Equal(100_000L, (long)final["completed"]!);
        Assert.Equal("{\"status\":\"success\"}", lines[^1].ToJsonString());

        var tags = await server.Http.GetStringAsync("/api/tags");
        Assert.Contains($"\"name\":\"{registry.Host}/library/tiny:latest\"", tags);
        Assert.Contains($"\"digest\":\"{model.ManifestDigest}\"", tags);
    }

    [Fact]
    public async Task Pull_with_stream_false_returns_only_the_last_object()
    {
        await using var registry = await TestRegistry.StartAsync();
        TestModel.Create(33).Publish(registry, "library/tiny", "latest");
        await using var server = await StartServerAsync();

        using var response = await server.Http.PostAsync("/api/pull",
            new StringContent($"{{\"name\":\"{registry.Host}/library/tiny\",\"insecure\":true,\"stream\":false}}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("{\"status\":\"success\"}", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("{\"model\":\"\"}", "invalid model name")]
    [InlineData("{\"model\":\"a/b/c/d/e\"}", "invalid model name")]
    [InlineData("{\"model\":\"bad name!\"}", "invalid model name")]
    [InlineData("{\"model\":\"x:local:cloud\"}", "use either :local or :cloud, not both: \"x:local:cloud\"")]
    [InlineData("{\"model\":\"m\",\"insecure\":\"yes\"}", null)]
    public async Task Pull_rejects_bad_requests_with_400(string body, string? message)
    {
        await using var server = await StartServerAsync();
        using var response = await server.Http.PostAsync("/api/pull", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        if (message is not null) Assert.Equal(message, (string)json["error"]!);
    }

    [Fact]
    public async Task Pull_of_an_unknown_model_ends_the_stream_with_an_error_line()
    {
        await using var registry = await TestRegistry.StartAsync();
        await using var server = await StartServerAsync();

        var (status, lines) = await server.PostStreamAsync("/api/pull", new JsonObject { ["model"] = $"{registry.Host}/library/nothing", ["insecure"] = true });
        Assert.Equal(200, status);
        Assert.Equal(["{\"status\":\"pulling manifest\"}", "{\"error\":\"pull model manifest: file does not exist\"}"], lines.Select(l => l.ToJsonString()));

        var (status2, body, _) = await server.PostAsync("/api/pull", new JsonObject { ["model"] = $"{registry.Host}/library/nothing", ["insecure"] = true, ["stream"] = false });
        Assert.Equal(500, status2);
        Assert.Equal("pull model manifest: file does not exist", (string)body!["error"]!);
    }

    [Fact]
    public async Task Pull_of_an_http_name_without_insecure_fails_before_any_line()
    {
        await using var server = await StartServerAsync();
        var (status, body, _) = await server.PostAsync("/api/pull", new JsonObject { ["model"] = "http://127.0.0.1:9/library/tiny" });
        Assert.Equal(500, status);
        Assert.Equal("insecure protocol http", (string)body!["error"]!);
    }

    [Fact]
    public async Task Push_streams_progress_and_uploads_the_model()
    {
        await using var registry = await TestRegistry.StartAsync();
        await using var server = await StartServerAsync();
        var model = TestModel.Create(34);
        var name = ModelName.Parse($"{registry.Host}/alice/tiny:v1");
        model.Seed(server.Server.Store, name);

        var (status, lines) = await server.PostStreamAsync("/api/push", new JsonObject { ["model"] = $"{registry.Host}/ALICE/tiny:v1", ["insecure"] = true });

        Assert.Equal(200, status);
        Assert.Equal(
            ["retrieving manifest", $"pushing {model.ModelLayer.Short}", $"pushing {model.Layers[1].Short}", $"pushing {model.Config.Short}", "pushing manifest", "success"],
            lines.Select(l => (string)l["status"]!).Distinct());
        Assert.NotNull(registry.Manifest("alice/tiny", "v1"));
        Assert.Equal(model.AllBlobs.Select(b => b.Digest), registry.Uploaded);
    }

    [Fact]
    public async Task Push_of_an_unknown_model_says_couldnt_retrieve_manifest_then_errors()
    {
        await using var server = await StartServerAsync();
        var (status, lines) = await server.PostStreamAsync("/api/push", new JsonObject { ["model"] = "alice/none", ["insecure"] = true });
        Assert.Equal(200, status);
        Assert.Equal(3, lines.Count);
        Assert.Equal("retrieving manifest", (string)lines[0]["status"]!);
        Assert.Equal("couldn't retrieve manifest", (string)lines[1]["status"]!);
        Assert.All(lines.Take(2), l => Assert.Single(l));
        Assert.Matches("^open .*registry\\.ollama\\.ai.alice.none.latest: no such file or directory$", (string)lines[2]["error"]!);
    }

    [Fact]
    public async Task Push_without_a_model_is_400_model_is_required()
    {
        await using var server = await StartServerAsync();
        var (status, body, _) = await server.PostAsync("/api/push", new JsonObject { ["insecure"] = true });
        Assert.Equal(400, status);
        Assert.Equal("model is required", (string)body!["error"]!);
    }
}
