using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Corral.Server.Tests.Infrastructure;
using Corral.Store;

namespace Corral.Server.Tests.Registry;

/// <summary>Corral's own <c>/v2</c> routes: one Corral serving its store as the pull (and, when enabled, push) source of another.</summary>
public sealed class CorralAsRegistryTests
{
    private static readonly ModelName s_seeded = ModelName.Parse("tiny:latest");

    private static async Task<(TestServer Server, TestModel Model)> StartSourceAsync(IReadOnlyDictionary<string, string>? env = null)
    {
        var server = await PullPushRouteTests.StartServerAsync(env);
        var model = TestModel.Create(41, modelSize: 150_000);
        model.Seed(server.Server.Store, s_seeded);
        return (server, model);
    }

    [Fact]
    public async Task Base_route_answers_like_a_registry()
    {
        await using var server = await PullPushRouteTests.StartServerAsync();
        using var response = await server.Http.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("registry/2.0", response.Headers.GetValues("Docker-Distribution-API-Version").Single());
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
        using var noSlash = await server.Http.GetAsync("/v2");
        Assert.Equal(HttpStatusCode.OK, noSlash.StatusCode);
    }

    [Fact]
    public async Task Manifests_and_blobs_are_served_with_digests_lengths_and_ranges()
    {
        var (server, model) = await StartSourceAsync();
        await using var _ = server;

        using var manifest = await server.Http.GetAsync("/v2/library/tiny/manifests/latest");
        Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
        Assert.Equal(MediaTypes.Manifest, manifest.Content.Headers.ContentType?.MediaType);
        Assert.Equal("sha256:" + model.ManifestDigest, manifest.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Equal(model.ManifestBytes, await manifest.Content.ReadAsByteArrayAsync());

        using var byDigest = await server.Http.GetAsync("/v2/library/tiny/manifests/sha256:" + model.ManifestDigest);
        Assert.Equal(model.ManifestBytes, await byDigest.Content.ReadAsByteArrayAsync());

        var blob = model.ModelLayer;
        using var head = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/library/tiny/blobs/{blob.Digest}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(blob.Data.Length, head.Content.Headers.ContentLength);
        Assert.Equal(blob.Digest, head.Headers.GetValues("Docker-Content-Digest").Single());

        var ranged = new HttpRequestMessage(HttpMethod.Get, $"/v2/library/tiny/blobs/{blob.Digest}");
        ranged.Headers.Range = new RangeHeaderValue(1000, 2999);
        using var part = await server.Http.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(2000, part.Content.Headers.ContentLength);
        Assert.Equal(blob.Data.AsSpan(1000, 2000).ToArray(), await part.Content.ReadAsByteArrayAsync());

        using var whole = await server.Http.GetAsync($"/v2/library/tiny/blobs/{blob.Digest}");
        Assert.Equal(blob.Data, await whole.Content.ReadAsByteArrayAsync());

        using var missing = await server.Http.GetAsync("/v2/library/tiny/manifests/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("MANIFEST_UNKNOWN", await missing.Content.ReadAsStringAsync());
        using var missingBlob = await server.Http.GetAsync("/v2/library/tiny/blobs/sha256:" + new string('0', 64));
        Assert.Equal(HttpStatusCode.NotFound, missingBlob.StatusCode);
    }

    [Fact]
    public async Task A_second_corral_pulls_a_model_from_the_first()
    {
        var (source, model) = await StartSourceAsync();
        await using var _ = source;
        await using var target = await PullPushRouteTests.StartServerAsync();
        string name = $"127.0.0.1:{source.Url.Port}/library/tiny:latest";

        var (status, lines) = await target.PostStreamAsync("/api/pull", new JsonObject { ["model"] = name, ["insecure"] = true });

        Assert.Equal(200, status);
        Assert.Equal("{\"status\":\"success\"}", lines[^1].ToJsonString());
        var pulled = target.Server.Store.GetManifest(ModelName.Parse(name));
        var original = source.Server.Store.GetManifest(s_seeded);
        Assert.Equal(original.Manifest.Digest, pulled.Manifest.Digest);
        Assert.Equal(File.ReadAllBytes(original.Path), File.ReadAllBytes(pulled.Path));
        foreach (var b in model.AllBlobs)
            Assert.Equal(File.ReadAllBytes(source.Server.Store.Blobs.GetPath(b.Digest)), File.ReadAllBytes(target.Server.Store.Blobs.GetPath(b.Digest)));
    }

    [Fact]
    public async Task A_model_pulled_from_another_corral_generates_the_same_greedy_text()
    {
        await using var source = await PullPushRouteTests.StartServerAsync();
        await source.CreateModelAsync("stories", Corral.Testing.RepoPaths.SharedFile("models", "stories260K.gguf"));
        await using var target = await PullPushRouteTests.StartServerAsync();
        string name = $"127.0.0.1:{source.Url.Port}/library/stories:latest";
        var (status, lines) = await target.PostStreamAsync("/api/pull", new JsonObject { ["model"] = name, ["insecure"] = true });
        Assert.Equal(200, status);
        Assert.Equal("success", (string)lines[^1]["status"]!);

        var request = new JsonObject
        {
            ["prompt"] = "Once upon a time",
            ["stream"] = false,
            ["options"] = new JsonObject { ["temperature"] = 0, ["num_predict"] = 32 },
        };
        var a = request.DeepClone().AsObject();
        a["model"] = "stories";
        var b = request.DeepClone().AsObject();
        b["model"] = name;
        var (sa, ra, ta) = await source.PostAsync("/api/generate", a);
        var (sb, rb, tb) = await target.PostAsync("/api/generate", b);
        Assert.True(sa == 200, ta);
        Assert.True(sb == 200, tb);
        Assert.Equal((string)ra!["response"]!, (string)rb!["response"]!);
        Assert.Equal(ra["context"]!.ToJsonString(), rb["context"]!.ToJsonString());
        Assert.Equal(32, (int)rb["eval_count"]!);
    }

    [Fact]
    public async Task Pushing_to_a_read_only_corral_is_refused()
    {
        var (source, _) = await StartSourceAsync();
        await using var __ = source;
        await using var pusher = await PullPushRouteTests.StartServerAsync();
        var name = ModelName.Parse($"127.0.0.1:{source.Url.Port}/alice/mine:1");
        TestModel.Create(42).Seed(pusher.Server.Store, name);

        var (status, lines) = await pusher.PostStreamAsync("/api/push", new JsonObject { ["model"] = name.ToString(), ["insecure"] = true });

        Assert.Equal(200, status);
        string error = (string)lines[^1]["error"]!;
        Assert.StartsWith("405: {\"errors\":[{\"code\":\"UNSUPPORTED\"", error);
        Assert.Contains("CORRAL_REGISTRY_PUSH=1", error);
    }

    [Fact]
    public async Task With_CORRAL_REGISTRY_PUSH_a_corral_accepts_pushes_and_serves_them()
    {
        await using var registry = await PullPushRouteTests.StartServerAsync(new Dictionary<string, string> { ["CORRAL_REGISTRY_PUSH"] = "1" });
        await using var pusher = await PullPushRouteTests.StartServerAsync();
        var model = TestModel.Create(43, modelSize: 70_000);
        var name = ModelName.Parse($"127.0.0.1:{registry.Url.Port}/alice/mine:1");
        model.Seed(pusher.Server.Store, name);

        var (status, lines) = await pusher.PostStreamAsync("/api/push", new JsonObject { ["model"] = name.ToString(), ["insecure"] = true });
        Assert.Equal(200, status);
        Assert.Equal("{\"status\":\"success\"}", lines[^1].ToJsonString());

        // Stored under the host the pusher addressed, with every blob, and the manifest as pushed.
        var stored = registry.Server.Store.GetManifest(name);
        Assert.Equal(Corral.Store.Registry.RegistryClient.SerializeForPush(pusher.Server.Store.GetManifest(name).Manifest), File.ReadAllBytes(stored.Path));
        foreach (var b in model.AllBlobs) Assert.True(registry.Server.Store.Blobs.Exists(b.Digest));

        // A second push finds every blob (HEAD) and uploads nothing: each layer reports completed = total at once.
        var (_, again) = await pusher.PostStreamAsync("/api/push", new JsonObject { ["model"] = name.ToString(), ["insecure"] = true });
        Assert.Equal(model.AllBlobs.Select(b => (b.Digest, (long)b.Data.Length)),
            again.Where(l => l.ContainsKey("digest")).Select(l => ((string)l["digest"]!, (long)l["completed"]!)));

        // And a third Corral can pull what was pushed.
        await using var puller = await PullPushRouteTests.StartServerAsync();
        var (pullStatus, pullLines) = await puller.PostStreamAsync("/api/pull", new JsonObject { ["model"] = name.ToString(), ["insecure"] = true });
        Assert.Equal(200, pullStatus);
        Assert.Equal("{\"status\":\"success\"}", pullLines[^1].ToJsonString());
        Assert.Equal(stored.Manifest.Digest, puller.Server.Store.GetManifest(name).Manifest.Digest);
    }

    [Fact]
    public async Task Upload_routes_check_the_digest_on_commit()
    {
        await using var registry = await PullPushRouteTests.StartServerAsync(new Dictionary<string, string> { ["CORRAL_REGISTRY_PUSH"] = "1" });
        using var start = await registry.Http.PostAsync("/v2/alice/x/blobs/uploads/", new ByteArrayContent([]));
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var location = start.Headers.Location!;
        Assert.True(location.IsAbsoluteUri);

        var patch = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent([1, 2, 3]) };
        patch.Content.Headers.TryAddWithoutValidation("Content-Range", "0-2");
        using var patched = await registry.Http.SendAsync(patch);
        Assert.Equal(HttpStatusCode.Accepted, patched.StatusCode);
        Assert.Equal("0-2", patched.Headers.GetValues("Range").Single());

        var wrongOffset = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent([4]) };
        wrongOffset.Content.Headers.TryAddWithoutValidation("Content-Range", "0-0");
        using var refused = await registry.Http.SendAsync(wrongOffset);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, refused.StatusCode);

        string wrong = "sha256:" + new string('a', 64);
        using var bad = await registry.Http.PutAsync(location + "?digest=" + wrong, new ByteArrayContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("DIGEST_INVALID", await bad.Content.ReadAsStringAsync());
        Assert.False(registry.Server.Store.Blobs.Exists(wrong));
        Assert.Empty(Directory.GetFiles(registry.Server.Store.Blobs.BlobsDirectory));
    }
}
