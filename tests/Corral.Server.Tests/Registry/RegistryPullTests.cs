using Corral.Store;
using Corral.Store.Registry;
using Corral.Testing;

namespace Corral.Server.Tests.Registry;

/// <summary>The registry client's pull against <see cref="TestRegistry"/>: auth, parallel ranged parts, resume, verification, retries, sharing, pruning.</summary>
public sealed class RegistryPullTests
{
    private static ModelName NameOn(TestRegistry r, string repo = "library/tiny", string tag = "latest") => ModelName.Parse($"{r.Host}/{repo}:{tag}");

    private static void AssertStored(ClientFixture f, ModelName name, TestModel model)
    {
        var entry = f.Store.TryGetManifest(name);
        Assert.NotNull(entry);
        Assert.Equal(model.ManifestBytes, File.ReadAllBytes(entry.Path)); // byte for byte
        Assert.Equal(model.ManifestDigest, entry.Manifest.Digest);
        foreach (var b in model.AllBlobs) Assert.Equal(b.Data, File.ReadAllBytes(f.Store.Blobs.GetPath(b.Digest)));
        Assert.DoesNotContain(f.BlobsDirectoryFiles(), n => n.Contains("-partial", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pull_authenticates_downloads_parts_in_parallel_and_stores_the_manifest_byte_for_byte()
    {
        await using var registry = await TestRegistry.StartAsync();
        var model = TestModel.Create(1);
        model.Publish(registry, "library/tiny", "latest");
        using var f = new ClientFixture();
        var name = NameOn(registry);

        await f.Client.PullAsync(name, insecure: true, f.Record);

        AssertStored(f, name, model);
        // One signed token request (the token is reused for every later request), signed with our key.
        Assert.Equal([f.Key.PublicKeyLine], registry.TokenKeys.ToArray());
        // The 100 kB layer came as 7 ranged parts of 16 KiB from the CDN; the tiny ones as one part each.
        var ranges = registry.CdnRanges.Where(r => r.Digest == model.ModelLayer.Digest).OrderBy(r => r.Start).ToList();
        Assert.Equal(7, ranges.Count);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => (long)i * 16384), ranges.Select(r => r.Start));
        Assert.Equal(model.ModelLayer.Data.Length - 1, ranges[^1].End);
        Assert.Contains(f.Log, l => l == $"downloading {model.ModelLayer.Short} in 7 16 KB part(s)");

        Assert.Equal(
            ["pulling manifest", $"pulling {model.ModelLayer.Short}", $"pulling {model.Layers[1].Short}", $"pulling {model.Config.Short}",
             "verifying sha256 digest", "writing manifest", "success"],
            f.DistinctStatuses);
        foreach (var b in model.AllBlobs)
        {
            var last = f.Progress.Last(p => p.Digest == b.Digest);
            Assert.Equal((b.Data.Length, b.Data.Length), (last.Total, last.Completed));
        }
    }

    [Fact]
    public async Task A_second_pull_is_a_cache_hit_with_one_progress_line_per_blob()
    {
        await using var registry = await TestRegistry.StartAsync();
        var model = TestModel.Create(2);
        model.Publish(registry, "library/tiny", "latest");
        using var f = new ClientFixture();
        await f.Client.PullAsync(NameOn(registry), true, _ => { });
        int cdnBefore = registry.CdnRanges.Count;

        await f.Client.PullAsync(NameOn(registry), true, f.Record);

        Assert.Equal(cdnBefore, registry.CdnRanges.Count);
        var blobLines = f.Progress.Where(p => p.Digest is not null).ToList();
        Assert.Equal(model.AllBlobs.Select(b => (b.Digest, (long)b.Data.Length, (long)b.Data.Length)),
            blobLines.Select(p => (p.Digest!, p.Total, p.Completed)));
    }

    [Fact]
    public async Task Dropped_connections_resume_where_they_stopped()
    {
        await using var registry = await TestRegistry.StartAsync();
        var model = TestModel.Create(3);
        model.Publish(registry, "library/tiny", "latest");
        registry.DropAfterBytes = 5000;
        registry.DropCdnResponses = 4;
        using var f = new ClientFixture();

        await f.Client.PullAsync(NameOn(registry), true, f.Record);

        AssertStored(f, NameOn(registry), model);
        // Resumed requests start inside a part (offset + bytes already received), never from the part's start again.
        var starts = registry.CdnRanges.Where(r => r.Digest == model.ModelLayer.Digest).Select(r => r.Start).ToList();
        Assert.Contains(starts, s => s % 16384 != 0);
    }

    [Fact]
    public async Task An_interrupted_pull_resumes_after_a_restart_from_its_part_files()
    {
        await using var registry = await TestRegistry.StartAsync();
        var model = TestModel.Create(4);
        model.Publish(registry, "library/tiny", "latest");
        var name = NameOn(registry);
        using var dir = new TempDir("corral-registry-");
        string blobPath;

        // First run: every CDN response is cut after 5000 bytes and only one attempt is allowed, so the pull fails.
        registry.DropAfterBytes = 5000;
        registry.DropCdnResponses = 1000;
        using (var first = new ClientFixture(dir: dir, tweak: o => o with { MaxRetries = 1 }))
        {
            var e = await Assert.ThrowsAsync<RegistryException>(() => first.Client.PullAsync(name, true, _ => { }));
            Assert.StartsWith("max retries exceeded: ", e.Message);
            blobPath = first.Store.Blobs.GetPath(model.ModelLayer.Digest);
            Assert.Null(first.Store.TryGetManifest(name));
        }
        Assert.False(File.Exists(blobPath));
        Assert.True(File.Exists(blobPath + "-partial"));
        // Each part file holds upstream's JSON with the bytes that arrived before the cut.
        var parts = Enumerable.Range(0, 7).Select(i =>
        {
            string json = File.ReadAllText($"{blobPath}-partial-{i}");
            long size = Math.Min(16384, model.ModelLayer.Data.Length - i * 16384L);
            var m = System.Text.RegularExpressions.Regex.Match(json, $"^\\{{\"N\":{i},\"Offset\":{i * 16384},\"Size\":{size},\"Completed\":(\\d+)\\}}\n$");
            Assert.True(m.Success, json);
            return (Offset: i * 16384L, Size: size, Completed: long.Parse(m.Groups[1].Value));
        }).ToList();
        Assert.Contains(parts, p => p.Completed > 0 && p.Completed < p.Size);

        // "Restart": a new client on the same store continues each part where its file says, without asking for the size again.
        registry.DropCdnResponses = 0;
        int headsBefore = registry.Count("HEAD", "/blobs/" + model.ModelLayer.Digest);
        var rangesBefore = registry.CdnRanges.Count;
        using (var second = new ClientFixture(dir: dir))
        {
            await second.Client.PullAsync(name, true, second.Record);
            AssertStored(second, name, model);
            var firstReport = second.Progress.First(p => p.Digest == model.ModelLayer.Digest);
            Assert.True(firstReport.Completed >= parts.Sum(p => p.Completed), $"resumed progress starts at {firstReport.Completed}");
        }
        Assert.Equal(headsBefore, registry.Count("HEAD", "/blobs/" + model.ModelLayer.Digest));
        var resumed = registry.CdnRanges.Skip(rangesBefore).Where(r => r.Digest == model.ModelLayer.Digest).Select(r => r.Start).Order().ToList();
        Assert.Equal(parts.Where(p => p.Completed < p.Size).Select(p => p.Offset + p.Completed), resumed);
    }

    [Fact]
    public async Task A_corrupt_blob_fails_with_digest_mismatch_and_leaves_nothing_behind()
    {
        await using var registry = await TestRegistry.StartAsync();
        var model = TestModel.Create(5);
        model.Publish(registry, "library/tiny", "latest");
        registry.CorruptDigests[model.ModelLayer.Digest] = true;
        using var f = new ClientFixture();

        var e = await Assert.ThrowsAsync<BlobDigestMismatchException>(() => f.Client.PullAsync(NameOn(registry), true, f.Record));

        Assert.StartsWith($"digest mismatch, file must be downloaded again: want {model.ModelLayer.Digest}, got sha256:", e.Message);
        Assert.Null(f.Store.TryGetManifest(NameOn(registry)));
        Assert.False(f.Store.Blobs.Exists(model.ModelLayer.Digest));
        Assert.Empty(f.BlobsDirectoryFiles());
        Assert.DoesNotContain("writing manifest", f.Statuses);
    }

    [Fact]
    public async Task Server_errors_from_the_cdn_are_retried()
    {
        await using var registry = await TestRegistry.StartAsync();
        var model = TestModel.Create(6);
        model.Publish(registry, "library/tiny", "latest");
        registry.FailCdnRequests = 3;
        using var f = new ClientFixture();

        await f.Client.PullAsync(NameOn(registry), true, _ => { });

        AssertStored(f, NameOn(registry), model);
        Assert.Contains(f.Log, l => l.Contains("attempt 0 failed: 503: slow down", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stalled_part_is_restarted()
    {
        await using var registry = await TestRegistry.StartAsync();
        var model = TestModel.Create(7);
        model.Publish(registry, "library/tiny", "latest");
        registry.StallCdnResponses = 1;
        registry.StallFor = TimeSpan.FromSeconds(10);
        using var f = new ClientFixture(tweak: o => o with { StallTimeout = TimeSpan.FromMilliseconds(300), MaxRetries = 1 });

        await f.Client.PullAsync(NameOn(registry), true, _ => { });

        AssertStored(f, NameOn(registry), model);
        Assert.Contains(f.Log, l => l.EndsWith("stalled; retrying. If this persists, press ctrl-c to exit, then 'ollama pull' to find a faster connection.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_registry_that_serves_blobs_itself_with_200_works()
    {
        await using var registry = await TestRegistry.StartAsync();
        registry.RedirectBlobs = false;
        var model = TestModel.Create(8);
        model.Publish(registry, "library/tiny", "latest");
        using var f = new ClientFixture();

        await f.Client.PullAsync(NameOn(registry), true, _ => { });

        AssertStored(f, NameOn(registry), model);
        Assert.Equal(0, registry.Count("GET", "/cdn/"));
    }

    [Fact]
    public async Task Concurrent_pulls_of_the_same_blob_share_one_download()
    {
        await using var registry = await TestRegistry.StartAsync();
        var weights = new byte[200_000];
        new Random(9).NextBytes(weights);
        var a = TestModel.Create(9, modelBytes: weights, template: "A");
        var b = TestModel.Create(10, modelBytes: weights, template: "B");
        a.Publish(registry, "library/a", "latest");
        b.Publish(registry, "library/b", "latest");
        registry.CdnChunkDelay = TimeSpan.FromMilliseconds(5);
        using var f = new ClientFixture();
        var progressA = new List<RegistryProgress>();
        var progressB = new List<RegistryProgress>();

        await Task.WhenAll(
            f.Client.PullAsync(NameOn(registry, "library/a"), true, p => { lock (progressA) progressA.Add(p); }),
            f.Client.PullAsync(NameOn(registry, "library/b"), true, p => { lock (progressB) progressB.Add(p); }));

        Assert.Equal(weights.Length, registry.CdnBytes[a.ModelLayer.Digest]); // fetched once
        Assert.Equal(a.ModelLayer.Digest, b.ModelLayer.Digest);
        Assert.Contains(progressA, p => p.Digest == a.ModelLayer.Digest && p.Completed == weights.Length);
        Assert.Contains(progressB, p => p.Digest == a.ModelLayer.Digest && p.Completed == weights.Length);
        Assert.Equal(0, f.Client.ActiveDownloads);
    }

    [Fact]
    public async Task A_cancelled_pull_stops_its_download_keeps_the_parts_and_a_later_pull_finishes_it()
    {
        await using var registry = await TestRegistry.StartAsync();
        var model = TestModel.Create(15, modelSize: 300_000);
        model.Publish(registry, "library/tiny", "latest");
        registry.CdnChunkDelay = TimeSpan.FromMilliseconds(20);
        using var f = new ClientFixture();
        using var cts = new CancellationTokenSource();

        var pull = f.Client.PullAsync(NameOn(registry), true, p =>
        {
            if (p.Digest == model.ModelLayer.Digest && p.Completed > 50_000) cts.Cancel();
        }, cts.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pull);

        // The download had no other waiter, so it stops and records its parts.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (f.Client.ActiveDownloads > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(0, f.Client.ActiveDownloads);
        string blobPath = f.Store.Blobs.GetPath(model.ModelLayer.Digest);
        Assert.True(File.Exists(blobPath + "-partial"));
        long recorded = BlobPartsCompleted(blobPath);
        Assert.InRange(recorded, 50_000, 299_999);
        int rangesBefore = registry.CdnRanges.Count;

        registry.CdnChunkDelay = TimeSpan.Zero;
        await f.Client.PullAsync(NameOn(registry), true, _ => { });

        AssertStored(f, NameOn(registry), model);
        // The second pull asked for exactly the bytes the part files said were missing.
        long requested = registry.CdnRanges.Skip(rangesBefore).Where(r => r.Digest == model.ModelLayer.Digest).Sum(r => r.End - r.Start + 1);
        Assert.Equal(300_000 - recorded, requested);
    }

    private static long BlobPartsCompleted(string blobPath) =>
        Directory.GetFiles(Path.GetDirectoryName(blobPath)!, Path.GetFileName(blobPath) + "-partial-*")
            .Sum(p => System.Text.Json.JsonDocument.Parse(File.ReadAllText(p)).RootElement.GetProperty("Completed").GetInt64());

    [Fact]
    public async Task Repulling_a_changed_tag_prunes_layers_only_the_old_manifest_used()
    {
        await using var registry = await TestRegistry.StartAsync();
        var v1 = TestModel.Create(11, template: "old template");
        var v2 = TestModel.Create(11, template: "new template"); // same weights and config, new template
        v1.Publish(registry, "library/tiny", "latest");
        using var f = new ClientFixture();
        await f.Client.PullAsync(NameOn(registry), true, _ => { });
        v2.Publish(registry, "library/tiny", "latest");

        await f.Client.PullAsync(NameOn(registry), true, f.Record);

        AssertStored(f, NameOn(registry), v2);
        Assert.False(f.Store.Blobs.Exists(v1.Layers[1].Digest));
        Assert.Equal(["verifying sha256 digest", "writing manifest", "removing unused layers", "success"], f.DistinctStatuses.TakeLast(4));
    }

    [Fact]
    public async Task OLLAMA_NOPRUNE_keeps_the_old_layers()
    {
        await using var registry = await TestRegistry.StartAsync();
        var v1 = TestModel.Create(12, template: "old template");
        var v2 = TestModel.Create(12, template: "new template");
        v1.Publish(registry, "library/tiny", "latest");
        using var f = new ClientFixture(noPrune: true);
        await f.Client.PullAsync(NameOn(registry), true, _ => { });
        v2.Publish(registry, "library/tiny", "latest");

        await f.Client.PullAsync(NameOn(registry), true, f.Record);

        Assert.True(f.Store.Blobs.Exists(v1.Layers[1].Digest));
        Assert.DoesNotContain("removing unused layers", f.Statuses);
    }

    [Fact]
    public async Task Unknown_model_is_file_does_not_exist()
    {
        await using var registry = await TestRegistry.StartAsync();
        using var f = new ClientFixture();
        var e = await Assert.ThrowsAsync<RegistryException>(() => f.Client.PullAsync(NameOn(registry, "library/nothing"), true, f.Record));
        Assert.Equal("pull model manifest: file does not exist", e.Message);
        Assert.Equal(["pulling manifest"], f.Statuses);
    }

    [Fact]
    public async Task A_realm_on_another_host_is_refused()
    {
        await using var registry = await TestRegistry.StartAsync();
        TestModel.Create(13).Publish(registry, "library/tiny", "latest");
        registry.Realm = $"http://localhost:{registry.Port}/token";
        using var f = new ClientFixture();
        var e = await Assert.ThrowsAsync<RegistryException>(() => f.Client.PullAsync(NameOn(registry), true, _ => { }));
        Assert.Equal($"pull model manifest: realm host \"localhost:{registry.Port}\" does not match original host \"127.0.0.1:{registry.Port}\"", e.Message);
        Assert.Empty(registry.TokenKeys);
    }

    [Fact]
    public async Task A_key_the_registry_does_not_accept_gets_its_error()
    {
        await using var registry = await TestRegistry.StartAsync();
        TestModel.Create(14).Publish(registry, "library/tiny", "latest");
        registry.AcceptKey = _ => false;
        using var f = new ClientFixture();
        var e = await Assert.ThrowsAsync<RegistryHttpException>(() => Unwrap(f.Client.PullAsync(NameOn(registry), true, _ => { })));
        Assert.Equal(401, e.StatusCode);
        Assert.StartsWith("401: {\"errors\"", e.Message);
    }

    [Fact]
    public async Task Http_names_need_insecure()
    {
        using var f = new ClientFixture();
        var e = await Assert.ThrowsAsync<RegistryException>(() => f.Client.PullAsync(ModelName.Parse("http://127.0.0.1:1/library/tiny"), false, f.Record));
        Assert.Equal("insecure protocol http", e.Message);
        Assert.Empty(f.Statuses);
    }

    [Fact]
    public async Task A_manifest_with_tensor_layers_needs_mlx()
    {
        await using var registry = await TestRegistry.StartAsync();
        var blob = new TestBlob(MediaTypes.Tensor, [1, 2, 3]);
        registry.AddBlob("library/st", blob.Data);
        registry.SetManifest("library/st", "latest", System.Text.Encoding.UTF8.GetBytes(
            $"{{\"schemaVersion\":2,\"mediaType\":\"{MediaTypes.Manifest}\",\"config\":{blob.Json()},\"layers\":[{blob.Json()}]}}"));
        using var f = new ClientFixture();
        var e = await Assert.ThrowsAsync<RegistryException>(() => f.Client.PullAsync(NameOn(registry, "library/st"), true, _ => { }));
        Assert.Equal(RegistryClient.MlxRequiredMessage, e.Message);
    }

    private static async Task Unwrap(Task t)
    {
        try { await t; }
        catch (RegistryException e) when (e.InnerException is RegistryException inner) { throw inner; }
    }
}
