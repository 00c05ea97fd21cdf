using System.Text;
using System.Text.Json;

namespace Corral.Store.Tests.Store;

public class ModelStoreTests
{
    private static ModelConfig LlamaConfig => ModelConfig.NewLocal() with
    {
        ModelFormat = "gguf", ModelFamily = "llama", ModelFamilies = ["llama"], ModelType = "3.41M", FileType = "Q4_0",
    };

    [Fact]
    public void GetModel_ResolvesLayersByMediaType()
    {
        using var t = new TestStore();
        var model = t.SharedGguf("llama-tiny-Q4_0.gguf", from: "base:latest");
        var entry = t.AddModel("me/m:v1", LlamaConfig,
            model,
            t.Layer(MediaTypes.Projector, "proj1"),
            t.Layer(MediaTypes.Projector, "proj2"),
            t.Layer(MediaTypes.Adapter, "lora"),
            t.Layer(MediaTypes.Draft, "draft"),
            t.Layer(MediaTypes.Template, "{{ .System }} {{ .Prompt }}"),
            t.Layer(MediaTypes.System, "You are Mario."),
            t.Layer(MediaTypes.Params, "{\"stop\":[\"<|eot_id|>\"],\"temperature\":0.7,\"num_ctx\":4096}"),
            t.Layer(MediaTypes.Messages, "[{\"role\":\"USER\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"}]"),
            t.Layer(MediaTypes.License, "MIT"),
            t.Layer(MediaTypes.License, "Apache"),
            t.Layer(MediaTypes.Embed, "old"));

        var m = t.Store.GetModel(ModelName.Parse("me/m:v1"));
        Assert.Equal("me/m:v1", m.ShortName);
        Assert.Equal(entry.Manifest.Digest, m.Digest);
        Assert.Equal(t.Store.Blobs.GetPath(model.Digest), m.ModelPath);
        Assert.Equal("base:latest", m.ParentModel);
        Assert.Equal(2, m.ProjectorPaths.Count);
        Assert.Single(m.AdapterPaths);
        Assert.NotNull(m.DraftPath);
        Assert.Equal("{{ .System }} {{ .Prompt }}", m.Template);
        Assert.Equal("You are Mario.", m.System);
        Assert.Equal(["stop", "temperature", "num_ctx"], m.Parameters.Keys);
        Assert.Equal(0.7, m.Parameters["temperature"].GetDouble());
        Assert.Equal(JsonValueKind.Array, m.Parameters["stop"].ValueKind);
        Assert.Equal([new ModelMessage("user", "hi"), new ModelMessage("assistant", "hello")], m.Messages);
        Assert.Equal(["MIT", "Apache"], m.Licenses);
        Assert.Equal("MIT\nApache", m.License);
        Assert.True(m.HasDeprecatedEmbedLayer);
        Assert.Equal(entry.Manifest.TotalSize, m.Size);
        Assert.Equal("llama", m.Config.ModelFamily);
        Assert.Equal(new ModelDetails("base:latest", "gguf", "llama", m.Config.ModelFamilies, "3.41M", "Q4_0"), m.Details);
    }

    [Fact]
    public void GetModel_DefaultsAndLegacyPromptLayer()
    {
        using var t = new TestStore();
        t.AddModel("a", null, t.Layer(MediaTypes.System, ""));
        var a = t.Store.GetModel(ModelName.Parse("a"));
        Assert.Null(a.Template);
        Assert.Equal("{{ .Prompt }}", a.TemplateOrDefault);
        Assert.Empty(a.Parameters);
        Assert.Empty(a.Messages);
        Assert.Null(a.ModelPath);

        t.AddModel("b", null, t.Layer(MediaTypes.Prompt, "legacy {{ .Prompt }}"));
        Assert.Equal("legacy {{ .Prompt }}", t.Store.GetModel(ModelName.Parse("b")).Template);
    }

    [Fact]
    public void GetModel_MissingModelAndMissingBlob()
    {
        using var t = new TestStore();
        var e = Assert.Throws<ModelNotFoundException>(() => t.Store.GetModel(ModelName.Parse("nope")));
        Assert.Equal("model 'nope:latest' not found", e.Message);

        var layer = t.Layer(MediaTypes.System, "gone");
        t.AddModel("c", null, layer);
        File.Delete(t.Store.Blobs.GetPath(layer.Digest));
        var e2 = Assert.Throws<StoreException>(() => t.Store.GetModel(ModelName.Parse("c")));
        Assert.Contains(layer.Digest, e2.Message);
        Assert.Contains("c:latest", e2.Message);
    }

    [Fact]
    public void GetModel_BadParamsLayerIsAClearError()
    {
        using var t = new TestStore();
        var layer = t.Layer(MediaTypes.Params, "[1,2]");
        t.AddModel("p", null, layer);
        var e = Assert.Throws<ManifestFormatException>(() => t.Store.GetModel(ModelName.Parse("p")));
        Assert.Contains("invalid parameters layer " + layer.Digest, e.Message);
    }

    [Fact]
    public void ListManifests_GlobsFourLevelsAndSkipsInvalidEntries()
    {
        using var t = new TestStore();
        t.AddModel("good", null);
        t.AddModel("host.example:5000/ns/other:tag", null);
        var dir = t.Store.ManifestsDirectory;
        Directory.CreateDirectory(Path.Combine(dir, "registry.ollama.ai", "library", "dir", "subdir")); // a directory at level 4
        Directory.CreateDirectory(Path.Combine(dir, "h", "n", "-bad"));
        File.WriteAllText(Path.Combine(dir, "h", "n", "-bad", "t"), "{}");                          // invalid name
        Directory.CreateDirectory(Path.Combine(dir, "h", "n", "corrupt"));
        File.WriteAllText(Path.Combine(dir, "h", "n", "corrupt", "t"), "{not json");                 // unparseable
        File.WriteAllText(Path.Combine(dir, "toplevel"), "x");                                         // wrong depth

        var names = t.Store.ListManifests().Select(e => e.Name.ToString()).ToList();
        Assert.Equal(["host.example:5000/ns/other:tag", "registry.ollama.ai/library/good:latest"], names);
        t.Store.ScanManifests(out var problems);
        Assert.Equal(2, problems.Count);
    }

    [Fact]
    public void Canonicalize_AdoptsExistingSpellingPartByPart()
    {
        using var t = new TestStore();
        t.AddModel("Registry.Ollama.AI/Library/LLaMA3.2:Latest", null);
        t.AddModel("Registry.Ollama.AI/me/qwen:7B", null);

        Assert.Equal("Registry.Ollama.AI/Library/LLaMA3.2:Latest", t.Store.Canonicalize(ModelName.Parse("llama3.2")).ToString());
        var mixed = t.Store.Canonicalize(ModelName.Parse("ME/QWEN:latest"));
        Assert.Equal("me", mixed.Namespace);
        Assert.Equal("qwen", mixed.Model);
        Assert.Equal("Latest", mixed.Tag);
        Assert.Equal("unknown", t.Store.Canonicalize(ModelName.Parse("unknown:x")).Model);
        Assert.NotNull(t.Store.TryGetManifest(t.Store.Canonicalize(ModelName.Parse("LLAMA3.2:LATEST"))));
    }

    [Fact]
    public void Resolve_FindsModelsCaseInsensitively()
    {
        using var t = new TestStore();
        t.AddModel("llama3.2", null, t.Layer(MediaTypes.System, "s"));
        Assert.Equal("llama3.2:latest", t.Store.Resolve(ModelName.Parse("LLaMA3.2")).ShortName);
        Assert.Null(t.Store.TryResolve(ModelName.Parse("other")));
        Assert.Null(t.Store.TryResolve(ModelName.Parse("bad:")));
        Assert.Throws<ModelNotFoundException>(() => t.Store.Resolve(ModelName.Parse("other")));
    }

    [Fact]
    public void WriteManifestBytes_KeepsPulledBytesVerbatim()
    {
        using var t = new TestStore();
        var config = t.ConfigLayer(LlamaConfig);
        string pulled = "{\n \"schemaVersion\": 2,\n \"config\": {\"mediaType\": \"" + MediaTypes.Config + "\", \"digest\": \"" + config.Digest + "\", \"size\": " + config.Size + "},\n \"layers\": []\n}";
        var bytes = Encoding.UTF8.GetBytes(pulled);
        var entry = t.Store.WriteManifestBytes(ModelName.Parse("pulled"), bytes);
        Assert.Equal(bytes, File.ReadAllBytes(entry.Path));
        Assert.Equal(Digest.HexOf(bytes), entry.Manifest.Digest);
        Assert.Throws<ManifestFormatException>(() => t.Store.WriteManifestBytes(ModelName.Parse("broken"), "{"u8.ToArray()));
        Assert.False(t.Store.Exists(ModelName.Parse("broken")));
        Assert.Empty(Directory.GetFiles(t.Store.Blobs.BlobsDirectory, "sha256-tmp*"));
    }

    [Fact]
    public void List_ReportsTagsDataNewestFirst()
    {
        using var t = new TestStore();
        var gguf = t.SharedGguf("llama-tiny-Q4_0.gguf", from: "llama-tiny:latest");
        t.AddModel("older", LlamaConfig, gguf, t.Layer(MediaTypes.Projector, "p"));
        t.AddModel("me/newer:1b", LlamaConfig with { FileType = "", Capabilities = ["tools"] }, gguf);
        t.AddModel("remote:cloud", ModelConfig.NewLocal() with { RemoteHost = "https://ollama.com:443", RemoteModel = "gpt-oss:20b", ContextLength = 131072 });
        t.SetModified("older", DateTime.UtcNow.AddDays(-2));
        t.SetModified("me/newer:1b", DateTime.UtcNow.AddHours(-1));
        t.SetModified("remote:cloud", DateTime.UtcNow.AddDays(-5));

        var list = t.Store.List();
        Assert.Equal(["me/newer:1b", "older:latest", "remote:cloud"], list.Select(e => e.Name));

        var newer = list[0];
        Assert.Equal(t.Store.GetManifest(ModelName.Parse("me/newer:1b")).Manifest.Digest, newer.Digest);
        Assert.Equal(64, newer.Digest.Length);
        Assert.Equal("llama-tiny:latest", newer.Details.ParentModel);
        Assert.Equal("Q4_0", newer.Details.QuantizationLevel); // empty config file_type falls back to the GGUF's
        Assert.Equal(2048, newer.Details.ContextLength);         // from the GGUF header
        Assert.Equal(256, newer.Details.EmbeddingLength);
        Assert.Equal(["completion", "tools"], newer.Capabilities);

        var older = list[1];
        Assert.Equal(["completion", "vision"], older.Capabilities);
        Assert.Equal(gguf.Size + 1 + t.Store.GetManifest(ModelName.Parse("older")).Manifest.Config.Size, older.Size);

        var remote = list[2];
        Assert.Equal("gpt-oss:20b", remote.RemoteModel);
        Assert.Equal("https://ollama.com:443", remote.RemoteHost);
        Assert.Equal(131072, remote.Details.ContextLength);
        Assert.Empty(remote.Capabilities);
    }

    [Fact]
    public void List_AppliesTheTemplateCapabilityHook()
    {
        using var t = new TestStore(new ModelStoreOptions
        {
            TemplateCapabilities = (template, _) => template.Contains(".Tools") ? ["tools"] : [],
        });
        t.AddModel("a", LlamaConfig, t.SharedGguf("stories260K.gguf"), t.Layer(MediaTypes.Template, "{{ .Tools }}"));
        t.AddModel("b", LlamaConfig, t.SharedGguf("stories260K.gguf"));
        var byName = t.Store.List().ToDictionary(e => e.Name);
        Assert.Equal(["completion", "tools"], byName["a:latest"].Capabilities);
        Assert.Equal(["completion"], byName["b:latest"].Capabilities);
        Assert.Equal("Q4_0", byName["b:latest"].Details.QuantizationLevel);
    }

    [Fact]
    public void List_SkipsModelsWithUnreadableConfig()
    {
        using var t = new TestStore();
        t.AddModel("ok", LlamaConfig);
        var bad = t.Layer(MediaTypes.Config, "{\"context_length\":\"big\"}");
        t.Store.WriteManifest(ModelName.Parse("bad"), Manifest.Create(bad, []));
        Assert.Equal(["ok:latest"], t.Store.List().Select(e => e.Name));
        Assert.Contains(t.Logs, l => l.Contains("bad"));
    }

    [Fact]
    public void Copy_DuplicatesManifestBytes()
    {
        using var t = new TestStore();
        var src = t.AddModel("src", LlamaConfig, t.Layer(MediaTypes.System, "s"));
        t.Store.Copy(ModelName.Parse("src"), ModelName.Parse("ns/dst:v2"));
        var dst = t.Store.GetManifest(ModelName.Parse("ns/dst:v2"));
        Assert.Equal(src.Manifest.Bytes, dst.Manifest.Bytes);
        Assert.Equal(src.Manifest.Digest, dst.Manifest.Digest);
        t.Store.Copy(ModelName.Parse("src"), ModelName.Parse("src")); // same file: no-op
        Assert.Throws<ModelNotFoundException>(() => t.Store.Copy(ModelName.Parse("missing"), ModelName.Parse("x")));
    }

    [Fact]
    public void Delete_RemovesManifestDirsAndUnsharedBlobsEvenWithNoPrune()
    {
        using var t = new TestStore(new ModelStoreOptions { NoPrune = true });
        var shared = t.Layer(MediaTypes.Template, "shared");
        var own = t.Layer(MediaTypes.System, "own");
        t.AddModel("ns/a", LlamaConfig, shared, own);
        t.AddModel("b", LlamaConfig with { ModelType = "other" }, shared);
        var aConfig = t.Store.GetManifest(ModelName.Parse("ns/a")).Manifest.Config.Digest;

        t.Store.Delete(ModelName.Parse("ns/a"));
        Assert.False(t.Store.Exists(ModelName.Parse("ns/a")));
        Assert.False(Directory.Exists(Path.Combine(t.Store.ManifestsDirectory, "registry.ollama.ai", "ns")));
        Assert.True(Directory.Exists(t.Store.ManifestsDirectory));
        Assert.True(t.Store.Blobs.Exists(shared.Digest));
        Assert.False(t.Store.Blobs.Exists(own.Digest));
        Assert.False(t.Store.Blobs.Exists(aConfig));
        Assert.Throws<ModelNotFoundException>(() => t.Store.Delete(ModelName.Parse("ns/a")));
    }

    [Fact]
    public void StartupMaintenance_PrunesOldUnreferencedBlobsAndStrayFiles()
    {
        var now = DateTime.UtcNow;
        using var t = new TestStore(new ModelStoreOptions { UtcNow = () => now });
        var kept = t.Layer(MediaTypes.System, "kept");
        t.AddModel("m", LlamaConfig, kept);
        var orphanOld = t.Store.Blobs.Write("orphan-old"u8).Digest;
        var partial = Path.Combine(t.Store.Blobs.BlobsDirectory, Digest.ToFileName(orphanOld) + "-partial");
        File.WriteAllText(partial, "");
        t.AgeAllBlobs(TimeSpan.FromHours(2));
        var orphanNew = t.Store.Blobs.Write("orphan-new"u8).Digest;             // inside the grace period
        var freshTemp = t.Store.Blobs.NewTempPath();
        File.WriteAllText(freshTemp, "in progress");
        Directory.CreateDirectory(Path.Combine(t.Store.ManifestsDirectory, "h", "n", "empty"));

        var report = t.Store.RunStartupMaintenance();
        Assert.False(report.PruneSkipped);
        Assert.Equal(new PruneReport(CandidateBlobs: 3, RemovedBlobs: 1, RemovedOtherFiles: 1), report.Prune);
        Assert.True(t.Store.Blobs.Exists(kept.Digest));
        Assert.False(t.Store.Blobs.Exists(orphanOld));
        Assert.False(File.Exists(partial));
        Assert.True(t.Store.Blobs.Exists(orphanNew));
        Assert.True(File.Exists(freshTemp));
        Assert.False(Directory.Exists(Path.Combine(t.Store.ManifestsDirectory, "h")));
        Assert.Contains("total blobs: 3", t.Logs);
        Assert.Contains("total unused blobs removed: 1", t.Logs);
    }

    [Fact]
    public void StartupMaintenance_SkipsPruneWhenAnyManifestIsCorrupt()
    {
        using var t = new TestStore();
        var orphan = t.Store.Blobs.Write("orphan"u8).Digest;
        t.AgeAllBlobs(TimeSpan.FromHours(2));
        var dir = Path.Combine(t.Store.ManifestsDirectory, "h", "n", "m");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "t"), "garbage");
        var report = t.Store.RunStartupMaintenance();
        Assert.True(report.PruneSkipped);
        Assert.True(t.Store.Blobs.Exists(orphan));
        Assert.Contains(t.Logs, l => l.StartsWith("corrupt manifests detected, skipping prune operation.  Re-pull or delete to clear"));
    }

    [Fact]
    public void StartupMaintenance_NoPruneOnlyFixesNames()
    {
        using var t = new TestStore(new ModelStoreOptions { NoPrune = true });
        var orphan = t.Store.Blobs.Write("orphan"u8).Digest;
        t.AgeAllBlobs(TimeSpan.FromHours(2));
        var report = t.Store.RunStartupMaintenance();
        Assert.True(report.PruneSkipped);
        Assert.True(t.Store.Blobs.Exists(orphan));
    }

    [Fact]
    public void RemoveUnreferencedBlobs_KeepsAnythingAManifestUses()
    {
        using var t = new TestStore();
        var used = t.Layer(MediaTypes.System, "used");
        t.AddModel("m", null, used);
        var free = t.Store.Blobs.Write("free"u8).Digest;
        Assert.Equal(1, t.Store.RemoveUnreferencedBlobs([used.Digest, free, "sha256:" + new string('9', 64)]));
        Assert.True(t.Store.Blobs.Exists(used.Digest));
        Assert.False(t.Store.Blobs.Exists(free));
    }

    [Fact]
    public void HeaderSummary_ReadsGgufHeadersCheaply()
    {
        using var t = new TestStore();
        var q = t.SharedGguf("llama-tiny-Q4_K_M.gguf");
        var s = t.Store.HeaderSummary(q.Digest)!;
        Assert.Equal("llama", s.Architecture);
        Assert.Equal(15, s.FileType);
        Assert.Equal(2048, s.ContextLength);
        Assert.Equal(256, s.EmbeddingLength);
        Assert.Equal(["completion"], s.Capabilities);
        var f32 = GgufHeaderSummary.Read(Corral.Testing.RepoPaths.SharedFile("models", "stories260K.gguf"));
        Assert.Null(f32.FileType);
        Assert.Equal(128, f32.ContextLength);
        Assert.Null(t.Store.HeaderSummary(t.Layer(MediaTypes.System, "not gguf").Digest));
    }
}
