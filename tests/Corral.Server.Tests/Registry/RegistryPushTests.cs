using System.Text;
using Corral.Store;
using Corral.Store.Registry;

namespace Corral.Server.Tests.Registry;

/// <summary>The registry client's push against <see cref="TestRegistry"/>: existence checks, mounts, chunked and redirected uploads, manifest PUT.</summary>
public sealed class RegistryPushTests
{
    private static ModelName NameOn(TestRegistry r, string repo = "alice/tiny", string tag = "latest") => ModelName.Parse($"{r.Host}/{repo}:{tag}");

    [Fact]
    public async Task Push_uploads_every_blob_in_chunks_then_the_manifest_and_a_second_push_skips_them()
    {
        await using var registry = await TestRegistry.StartAsync();
        using var f = new ClientFixture();
        var model = TestModel.Create(21);
        var name = NameOn(registry);
        model.Seed(f.Store, name);

        await f.Client.PushAsync(name, insecure: true, f.Record);

        Assert.Equal(model.AllBlobs.Select(b => b.Digest), registry.Uploaded);
        foreach (var b in model.AllBlobs) Assert.Equal(b.Data, registry.Blob(b.Digest));
        // The 100 kB layer went as 7 PATCHes with inclusive Content-Range offsets (no unit), in order.
        var ranges = registry.PatchRanges.Take(7).ToList();
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"{i * 16384}-{Math.Min((i + 1) * 16384, 100_000) - 1}"), ranges);
        // The manifest is re-serialised compactly, as upstream pushes it.
        var pushed = registry.Manifest("alice/tiny", "latest")!;
        Assert.Equal(RegistryClient.SerializeForPush(f.Store.GetManifest(name).Manifest), pushed);
        Assert.StartsWith("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":{", Encoding.UTF8.GetString(pushed));
        Assert.Equal(
            ["retrieving manifest", $"pushing {model.ModelLayer.Short}", $"pushing {model.Layers[1].Short}", $"pushing {model.Config.Short}", "pushing manifest", "success"],
            f.DistinctStatuses);

        f.Progress.Clear();
        int uploads = registry.Uploaded.Count;
        await f.Client.PushAsync(name, insecure: true, f.Record);

        Assert.Equal(uploads, registry.Uploaded.Count);
        Assert.Equal(model.AllBlobs.Select(b => (b.Digest, (long)b.Data.Length, (long)b.Data.Length)),
            f.Progress.Where(p => p.Digest is not null).Select(p => (p.Digest!, p.Total, p.Completed)));
    }

    [Fact]
    public async Task Redirected_parts_go_by_put_to_the_redirect_without_the_token()
    {
        await using var registry = await TestRegistry.StartAsync();
        registry.RedirectUploads = true;
        using var f = new ClientFixture();
        var model = TestModel.Create(22);
        var name = NameOn(registry);
        model.Seed(f.Store, name);

        await f.Client.PushAsync(name, true, _ => { });

        Assert.Equal(model.AllBlobs.Select(b => b.Digest), registry.Uploaded);
        Assert.Equal(model.ModelLayer.Data, registry.Blob(model.ModelLayer.Digest));
        Assert.Equal(7 + 2, registry.RedirectedPuts.Count); // every part of every blob (the small ones are one part each)
    }

    [Fact]
    public async Task A_layer_from_another_model_is_mounted_instead_of_uploaded()
    {
        await using var registry = await TestRegistry.StartAsync();
        using var f = new ClientFixture();
        var baseModel = TestModel.Create(23);
        baseModel.Publish(registry, "library/base", "latest");
        // A derived model whose weights layer says it came from library/base.
        var derived = TestModel.Create(23, template: "derived", from: "base:latest");
        var name = NameOn(registry, "alice/derived");
        derived.Seed(f.Store, name);

        await f.Client.PushAsync(name, true, f.Record);

        Assert.Equal([derived.ModelLayer.Digest], registry.Mounted);
        Assert.DoesNotContain(derived.ModelLayer.Digest, registry.Uploaded);
        Assert.True(registry.HasBlob("alice/derived", derived.ModelLayer.Digest));
        Assert.Contains(registry.Requests, r => r.StartsWith("POST /v2/alice/derived/blobs/uploads/?from=library%2Fbase&mount=sha256%3A", StringComparison.Ordinal));
        var mountedReport = f.Progress.Last(p => p.Digest == derived.ModelLayer.Digest);
        Assert.Equal(mountedReport.Total, mountedReport.Completed);
    }

    [Fact]
    public async Task Pushing_a_model_that_is_not_there_reports_couldnt_retrieve_manifest()
    {
        using var f = new ClientFixture();
        var name = ModelName.Parse("127.0.0.1:1/alice/none:latest");
        var e = await Assert.ThrowsAsync<StoreException>(() => f.Client.PushAsync(name, true, f.Record));
        Assert.Equal(["retrieving manifest", "couldn't retrieve manifest"], f.Statuses);
        Assert.Equal($"open {f.Store.GetManifestPath(name)}: no such file or directory", e.Message);
    }

    [Fact]
    public async Task A_commit_the_registry_rejects_fails_after_retries()
    {
        await using var registry = await TestRegistry.StartAsync();
        using var f = new ClientFixture(tweak: o => o with { MaxRetries = 2 });
        var model = TestModel.Create(24);
        var name = NameOn(registry);
        model.Seed(f.Store, name);
        // Corrupt the local blob so the registry's digest check refuses the commit.
        var path = f.Store.Blobs.GetPath(model.Layers[1].Digest);
        File.Delete(path);
        File.WriteAllText(path, "tampered");

        var e = await Assert.ThrowsAsync<RegistryException>(() => f.Client.PushAsync(name, true, _ => { }));
        Assert.StartsWith("max retries exceeded: 400: {\"errors\":[{\"code\":\"DIGEST_INVALID\"", e.Message);
        Assert.Null(registry.Manifest("alice/tiny", "latest"));
    }
}
