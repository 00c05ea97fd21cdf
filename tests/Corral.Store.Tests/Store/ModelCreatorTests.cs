using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Corral.Testing;

namespace Corral.Store.Tests.Store;

public class ModelCreatorTests
{
    private static async Task<List<CreateProgress>> Create(TestStore t, string name, CreateModelRequest request, CreateHooks? hooks = null)
    {
        var events = new List<CreateProgress>();
        await new ModelCreator(t.Store, hooks).CreateAsync(ModelName.Parse(name), request, events.Add);
        return events;
    }

    private static string Text(TestStore t, string digest) => File.ReadAllText(t.Store.Blobs.GetPath(digest));

    private static (TestStore Store, ManifestLayer Gguf) WithUploadedGguf(string file = "llama-tiny-F16.gguf", ModelStoreOptions? options = null)
    {
        var t = new TestStore(options);
        return (t, t.SharedGguf(file));
    }

    [Fact]
    public async Task FromAGgufFile()
    {
        var (t, gguf) = WithUploadedGguf();
        using var _ = t;
        var events = await Create(t, "tiny", new CreateModelRequest { Files = new() { ["llama-tiny-F16.gguf"] = gguf.Digest } });
        Assert.Equal(["parsing GGUF", "using existing layer " + gguf.Digest, "writing manifest", "success"], events.Select(e => e.Status));

        var m = t.Store.GetModel(ModelName.Parse("tiny"));
        Assert.Equal(t.Store.Blobs.GetPath(gguf.Digest), m.ModelPath);
        Assert.Equal("llama-tiny-F16.gguf", m.ParentModel);
        Assert.Single(m.Manifest.Layers);
        Assert.Equal(new ManifestLayer(MediaTypes.Model, gguf.Digest, gguf.Size, "llama-tiny-F16.gguf"), m.Manifest.Layers[0]);
        Assert.Equal(
            "{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"model_families\":[\"llama\"],\"model_type\":\"3.41M\",\"file_type\":\"F16\",\"architecture\":\"amd64\",\"os\":\"linux\"}\n",
            Text(t, m.Manifest.Config.Digest));
    }

    [Fact]
    public async Task F32WithoutFileTypeIsUnknownAndParameterCountComesFromTensors()
    {
        var (t, gguf) = WithUploadedGguf("stories260K.gguf");
        using var _ = t;
        await Create(t, "s", new CreateModelRequest { Files = new() { ["stories260K.gguf"] = gguf.Digest } });
        var c = t.Store.GetModel(ModelName.Parse("s")).Config;
        Assert.Equal("293K", c.ModelType);
        Assert.Equal("unknown", c.FileType);
    }

    [Fact]
    public async Task FromAModelMergesLayers()
    {
        var (t, gguf) = WithUploadedGguf("llama-tiny-Q4_0.gguf");
        using var _ = t;
        var template = t.Layer(MediaTypes.Template, "{{ .Prompt }}");
        var license = t.Layer(MediaTypes.License, "base license");
        var parms = t.Layer(MediaTypes.Params, "{\"stop\":[\"<|eot_id|>\"],\"temperature\":0.9}");
        var msgs = t.Layer(MediaTypes.Messages, "[{\"role\":\"user\",\"content\":\"old\"}]");
        t.AddModel("base", ModelConfig.NewLocal() with { ModelFormat = "gguf", Renderer = "base-r", Requires = "0.1.0", Capabilities = ["tools"] },
            gguf with { From = null }, template, license, parms, msgs);
        var baseLayers = t.Store.GetManifest(ModelName.Parse("base")).Manifest.Layers;

        var events = await Create(t, "mario", new CreateModelRequest
        {
            From = "BASE",
            System = "You are Mario.",
            Template = "{{ .System }} {{ .Prompt }}",
            License = ["mario license"],
            Parameters = new JsonObject { ["temperature"] = 0.7, ["num_ctx"] = 4096 },
            Messages = [new ModelMessage("user", "new")],
        });

        var m = t.Store.GetModel(ModelName.Parse("mario"));
        Assert.Equal("{{ .System }} {{ .Prompt }}", m.Template);
        Assert.Equal("You are Mario.", m.System);
        Assert.Equal(["base license", "mario license"], m.Licenses);
        Assert.Equal([new ModelMessage("user", "new")], m.Messages);
        Assert.Equal("base:latest", m.ParentModel);
        Assert.All(m.Manifest.Layers.Where(l => baseLayers.Any(b => b.Digest == l.Digest)), l => Assert.Equal("base:latest", l.From));

        var paramsLayer = m.Manifest.Layers.Single(l => l.MediaType == MediaTypes.Params);
        Assert.Equal("{\"num_ctx\":4096,\"stop\":[\"\\u003c|eot_id|\\u003e\"],\"temperature\":0.7}\n", Text(t, paramsLayer.Digest));

        // Layer order: inherited layers that survive, then new ones in merge order.
        Assert.Equal([MediaTypes.Model, MediaTypes.License, MediaTypes.Template, MediaTypes.System, MediaTypes.License, MediaTypes.Params, MediaTypes.Messages],
            m.Manifest.Layers.Select(l => l.MediaType));

        Assert.Equal("base-r", m.Config.Renderer);
        Assert.Equal("0.1.0", m.Config.Requires);
        Assert.Equal(["tools"], m.Config.Capabilities);
        Assert.Equal(("llama", "3.41M", "Q4_0"), (m.Config.ModelFamily, m.Config.ModelType, m.Config.FileType));

        var statuses = events.Select(e => e.Status).ToList();
        Assert.Equal("using existing layer " + gguf.Digest, statuses[0]);
        Assert.Contains("using existing layer " + license.Digest, statuses);
        Assert.DoesNotContain("using existing layer " + template.Digest, statuses);
        Assert.Contains("creating new layer " + paramsLayer.Digest, statuses);
        Assert.Equal(["writing manifest", "success"], statuses[^2..]);

        // Replaced layers that the base still references are kept.
        Assert.True(t.Store.Blobs.Exists(template.Digest));
        Assert.True(t.Store.Blobs.Exists(parms.Digest));
    }

    [Fact]
    public async Task InheritedParametersAreReencodedAndEmptyMessagesKeepInheritedMessages()
    {
        var (t, gguf) = WithUploadedGguf("stories260K-Q8_0.gguf");
        using var _ = t;
        var parms = t.Layer(MediaTypes.Params, "{\"temperature\":0.9}");
        var msgs = t.Layer(MediaTypes.Messages, "[{\"role\":\"user\",\"content\":\"old\"}]");
        t.AddModel("base", null, gguf, parms, msgs);
        await Create(t, "child", new CreateModelRequest { From = "base", Messages = [], System = "" });
        var layers = t.Store.GetManifest(ModelName.Parse("child")).Manifest.Layers;
        // Inherited parameters are re-encoded into a fresh layer (as upstream does); inherited messages stay as they are.
        Assert.Equal("{\"temperature\":0.9}\n", Text(t, layers.Single(l => l.MediaType == MediaTypes.Params).Digest));
        Assert.Contains(layers, l => l.Digest == msgs.Digest);
        Assert.DoesNotContain(layers, l => l.MediaType == MediaTypes.System);
    }

    [Fact]
    public async Task RecreatingPrunesReplacedLayersUnlessNoPrune()
    {
        foreach (bool noPrune in new[] { false, true })
        {
            var (t, gguf) = WithUploadedGguf("stories260K-Q4_0.gguf", new ModelStoreOptions { NoPrune = noPrune });
            using var _ = t;
            var files = new Dictionary<string, string> { ["m.gguf"] = gguf.Digest };
            await Create(t, "m", new CreateModelRequest { Files = files, System = "first" });
            var firstSystem = t.Store.GetManifest(ModelName.Parse("m")).Manifest.Layers.Single(l => l.MediaType == MediaTypes.System).Digest;
            await Create(t, "m", new CreateModelRequest { Files = files, System = "second" });
            Assert.Equal(noPrune, t.Store.Blobs.Exists(firstSystem));
            Assert.True(t.Store.Blobs.Exists(gguf.Digest));
            Assert.Equal("second", t.Store.GetModel(ModelName.Parse("m")).System);
        }
    }

    [Fact]
    public async Task CreatingOverACaseVariantReusesTheExistingSpelling()
    {
        var (t, gguf) = WithUploadedGguf("stories260K-Q4_0.gguf");
        using var _ = t;
        await Create(t, "MyModel", new CreateModelRequest { Files = new() { ["m.gguf"] = gguf.Digest } });
        await Create(t, "mymodel", new CreateModelRequest { Files = new() { ["m.gguf"] = gguf.Digest }, System = "x" });
        Assert.Equal(["registry.ollama.ai/library/MyModel:latest"], t.Store.ListManifests().Select(e => e.Name.ToString()));
    }

    [Fact]
    public async Task LicenseEntriesAndInfoOverrides()
    {
        var (t, gguf) = WithUploadedGguf("stories260K-Q4_0.gguf");
        using var _ = t;
        using var info = JsonDocument.Parse("{\"capabilities\":[\"vision\"],\"model_family\":\"custom\",\"parameter_size\":\"7B\",\"quantization_level\":\"Q9\",\"context_length\":8192,\"embedding_length\":4096,\"base_name\":\"b\"}");
        await Create(t, "i", new CreateModelRequest
        {
            Files = new() { ["m.gguf"] = gguf.Digest },
            License = ["a", "b"],
            Info = CreateInfo.Parse(info.RootElement),
        });
        var m = t.Store.GetModel(ModelName.Parse("i"));
        Assert.Equal(["a", "b"], m.Licenses);
        Assert.Equal("custom", m.Config.ModelFamily);
        Assert.Equal(["custom", "llama"], m.Config.ModelFamilies);
        Assert.Equal(("7B", "Q9", 8192L, 4096L, "b"), (m.Config.ModelType, m.Config.FileType, m.Config.ContextLength, m.Config.EmbeddingLength, m.Config.BaseName));
        Assert.Equal(["vision"], m.Config.Capabilities);
    }

    [Theory]
    [InlineData("{\"model_family\":1}", "info field \"model_family\" must be a string")]
    [InlineData("{\"parameter_size\":true}", "info field \"parameter_size\" must be a string")]
    [InlineData("{\"context_length\":\"4096\"}", "info field \"context_length\" must be a number")]
    [InlineData("{\"context_length\":-1}", "info field \"context_length\" must be a non-negative integer")]
    [InlineData("{\"embedding_length\":1.5}", "info field \"embedding_length\" must be a non-negative integer")]
    public void InfoValidation(string json, string message)
    {
        using var doc = JsonDocument.Parse(json);
        var e = Assert.Throws<CreateModelException>(() => CreateInfo.Parse(doc.RootElement));
        Assert.Equal(message, e.Message);
        Assert.True(e.IsBadRequest);
    }

    public static TheoryData<string, string> BadRequests() => new()
    {
        { "{}", "neither 'from' or 'files' was specified" },
        { "{\"files\":{\"../x.gguf\":\"sha256:0\"}}", "file path must be relative" },
        { "{\"files\":{\"/abs.gguf\":\"sha256:0\"}}", "file path must be relative" },
        { "{\"files\":{\"a//b.gguf\":\"sha256:0\"}}", "file path must be relative" },
        { "{\"files\":{\"x.gguf\":\"\"}}", "invalid digest format" },
        { "{\"draft_files\":{\"x.gguf\":\"\"}}", "invalid digest format" },
        { "{\"adapters\":{\"x.gguf\":\"\"},\"from\":\"m\"}", "invalid digest format" },
        { "{\"from\":\"m\",\"draft_quantize\":\"q8_0\"}", "--draft-quantize requires a DRAFT model" },
        { "{\"files\":{\"x.gguf\":\"sha256:zz\"}}", "invalid digest format" },
        { "{\"from\":\"bad name:\"}", "invalid model name" },
        { "{\"from\":\"m:cloud:local\"}", "invalid model name" },
        { "{\"files\":{\"model.safetensors\":\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"}}", "creating a model from safetensors files is not supported by Corral yet; convert it to GGUF (llama.cpp convert_hf_to_gguf.py) and create from the .gguf file" },
        { "{\"from\":\"gpt-oss:20b:cloud\",\"draft_files\":{\"d.gguf\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\"}}", "DRAFT cannot be used with remote models" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task RequestErrors(string json, string message)
    {
        using var t = new TestStore();
        using var doc = JsonDocument.Parse(json);
        var request = CreateModelRequest.FromJson(doc.RootElement);
        var e = await Assert.ThrowsAsync<CreateModelException>(() => Create(t, "target", request));
        Assert.Equal(message, e.Message);
        Assert.True(e.IsBadRequest);
        Assert.False(t.Store.Exists(ModelName.Parse("target")));
    }

    [Fact]
    public async Task InvalidTargetName()
    {
        using var t = new TestStore();
        var e = await Assert.ThrowsAsync<CreateModelException>(() =>
            new ModelCreator(t.Store).CreateAsync(ModelName.Parse("bad:"), new CreateModelRequest { From = "x" }, _ => { }));
        Assert.Equal("invalid model name", e.Message);
    }

    [Fact]
    public async Task FileTypeErrors()
    {
        using var t = new TestStore();
        var text = t.Layer(MediaTypes.System, "not a gguf");
        var e1 = await Assert.ThrowsAsync<CreateModelException>(() => Create(t, "x", new CreateModelRequest { Files = new() { ["weights.bin"] = text.Digest } }));
        Assert.Equal("unknown type", e1.Message);
        var e2 = await Assert.ThrowsAsync<CreateModelException>(() => Create(t, "x", new CreateModelRequest { Files = new() { ["weights.gguf"] = text.Digest } }));
        Assert.Equal("supplied file was not in GGUF format", e2.Message);
        Assert.True(e2.IsBadRequest);
        var missing = "sha256:" + new string('7', 64);
        var e3 = await Assert.ThrowsAsync<CreateModelException>(() => Create(t, "x", new CreateModelRequest { Files = new() { ["w.gguf"] = missing } }));
        Assert.Contains("is not in the store", e3.Message);
        var truncated = t.Layer(MediaTypes.Model, File.ReadAllBytes(RepoPaths.SharedFile("models", "stories260K.gguf"))[..1000]);
        var e4 = await Assert.ThrowsAsync<CreateModelException>(() => Create(t, "x", new CreateModelRequest { Files = new() { ["w.gguf"] = truncated.Digest } }));
        Assert.StartsWith("w.gguf: truncated GGUF file", e4.Message);
    }

    [Fact]
    public async Task GgufWithoutExtensionIsSniffed()
    {
        var (t, gguf) = WithUploadedGguf("stories260K-Q8_0.gguf");
        using var _ = t;
        await Create(t, "sniffed", new CreateModelRequest { Files = new() { ["weights"] = gguf.Digest } });
        Assert.Equal("Q8_0", t.Store.GetModel(ModelName.Parse("sniffed")).Config.FileType);
    }

    [Fact]
    public async Task MediaTypeDetectionAdaptersProjectorsAndDrafts()
    {
        var (t, gguf) = WithUploadedGguf("stories260K-Q4_0.gguf");
        using var _ = t;
        var adapter = t.Layer(MediaTypes.Adapter, new GgufBuilder().String("general.architecture", "llama").String("general.type", "adapter").Build());
        var mmproj = t.Layer(MediaTypes.Projector, new GgufBuilder().String("general.architecture", "clip").Bool("clip.has_vision_encoder", true).Build());
        var visionOnly = t.Layer(MediaTypes.Projector, new GgufBuilder().String("general.architecture", "mllama").UInt32("mllama.vision.block_count", 8).Build());
        var draft = t.SharedGguf("stories260K.gguf");
        await Create(t, "multi", new CreateModelRequest
        {
            Files = new() { ["a.gguf"] = gguf.Digest, ["b-mmproj.gguf"] = mmproj.Digest, ["c.gguf"] = visionOnly.Digest },
            Adapters = new() { ["lora.gguf"] = adapter.Digest },
            DraftFiles = new() { ["draft.gguf"] = draft.Digest },
        });
        var m = t.Store.GetModel(ModelName.Parse("multi"));
        Assert.Equal([MediaTypes.Model, MediaTypes.Projector, MediaTypes.Projector, MediaTypes.Adapter, MediaTypes.Draft], m.Manifest.Layers.Select(l => l.MediaType));
        Assert.Equal(new DraftConfig(ModelFormat: "gguf", Architecture: "llama"), m.Config.Draft);
        Assert.Equal(["llama"], m.Config.ModelFamilies);

        var e = await Assert.ThrowsAsync<CreateModelException>(() => Create(t, "two", new CreateModelRequest
        {
            Files = new() { ["a.gguf"] = gguf.Digest },
            Adapters = new() { ["l1.gguf"] = adapter.Digest, ["l2.gguf"] = adapter.Digest },
        }));
        Assert.Equal("only one adapter is currently supported", e.Message);
    }

    [Fact]
    public async Task SplitGgufIsRefusedClearly()
    {
        using var t = new TestStore();
        var shard = t.Layer(MediaTypes.Model, new GgufBuilder().String("general.architecture", "llama").UInt32("split.no", 0).UInt32("split.count", 2).Build());
        var e = await Assert.ThrowsAsync<CreateModelException>(() => Create(t, "s", new CreateModelRequest { Files = new() { ["m-00001-of-00002.gguf"] = shard.Digest } }));
        Assert.StartsWith("split GGUF \"m-00001-of-00002.gguf\" is not supported yet", e.Message);
    }

    [Fact]
    public async Task ArchitectureDefaultsForGemma4()
    {
        using var t = new TestStore();
        var g = t.Layer(MediaTypes.Model, new GgufBuilder().String("general.architecture", "gemma4").UInt32("general.file_type", 1).Build());
        await Create(t, "g4", new CreateModelRequest { Files = new() { ["g.gguf"] = g.Digest } });
        var m = t.Store.GetModel(ModelName.Parse("g4"));
        Assert.Equal(("gemma4", "gemma4"), (m.Config.Renderer, m.Config.Parser));
        Assert.Equal(["<turn|>"], m.Parameters["stop"].EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("0", m.Config.ModelType);
    }

    [Fact]
    public async Task TemplateValidationAndAutodetection()
    {
        using var t = new TestStore();
        var g = t.Layer(MediaTypes.Model, new GgufBuilder().String("general.architecture", "llama").String("tokenizer.chat_template", "{% for m in messages %}{{ m.content }}{% endfor %}").Build());
        var hooks = new CreateHooks
        {
            ValidateTemplate = tmpl => tmpl.Contains("{{ end") && !tmpl.Contains("{{ if") ? "template: :1: unexpected {{end}}" : null,
            DetectTemplate = chat => chat.Contains("messages") ? new DetectedTemplate("chatml", "{{ .Prompt }}<|im_end|>", new JsonObject { ["stop"] = new JsonArray("<|im_end|>") }) : null,
        };
        var events = await Create(t, "auto", new CreateModelRequest { Files = new() { ["g.gguf"] = g.Digest } }, hooks);
        Assert.Contains("using autodetected template chatml", events.Select(e => e.Status));
        var m = t.Store.GetModel(ModelName.Parse("auto"));
        Assert.Equal("{{ .Prompt }}<|im_end|>", m.Template);
        Assert.Equal(["<|im_end|>"], m.Parameters["stop"].EnumerateArray().Select(e => e.GetString()));

        var e = await Assert.ThrowsAsync<CreateModelException>(() => Create(t, "bad", new CreateModelRequest { Files = new() { ["g.gguf"] = g.Digest }, Template = "{{ end }}" }, hooks));
        Assert.Equal("template error: template: :1: unexpected {{end}}", e.Message);
        Assert.True(e.IsBadRequest);

        // An explicit template replaces the autodetected one; the autodetected blob is dropped since nothing uses it.
        await Create(t, "explicit", new CreateModelRequest { Files = new() { ["g.gguf"] = g.Digest }, Template = "{{ if .System }}{{ end }}" }, hooks);
        Assert.Equal("{{ if .System }}{{ end }}", t.Store.GetModel(ModelName.Parse("explicit")).Template);
    }

    [Fact]
    public async Task QuantizationThroughTheHook()
    {
        var (t, gguf) = WithUploadedGguf("llama-tiny-F16.gguf");
        using var _ = t;
        QuantizeJob? seen = null;
        var hooks = new CreateHooks
        {
            Quantize = (job, ct) =>
            {
                seen = job;
                File.Copy(RepoPaths.SharedFile("models", "llama-tiny-Q8_0.gguf"), job.OutputPath, overwrite: true);
                job.ReportProgress(1000);
                job.ReportProgress(new FileInfo(job.SourcePath).Length);
                return Task.CompletedTask;
            },
        };
        var events = await Create(t, "q", new CreateModelRequest { Files = new() { ["m.gguf"] = gguf.Digest }, Quantize = "q8_0" }, hooks);
        Assert.NotNull(seen);
        Assert.Equal(("F16", "Q8_0", MediaTypes.Model), (seen!.SourceFileType, seen.TargetFileType, seen.MediaType));
        Assert.Equal(t.Store.Blobs.GetPath(gguf.Digest), seen.SourcePath);
        Assert.StartsWith(t.Store.Blobs.BlobsDirectory, seen.OutputPath);

        var quantizing = events.Where(e => e.Status == "quantizing F16 model to Q8_0").ToList();
        Assert.Equal(2, quantizing.Count);
        Assert.All(quantizing, e => Assert.Equal(("0000000000000000000", gguf.Size), (e.Digest, e.Total)));
        Assert.True(quantizing[0].Completed < quantizing[1].Completed);
        int verify = events.FindIndex(e => e.Status == "verifying conversion");
        Assert.True(verify > events.IndexOf(quantizing[1]));

        var m = t.Store.GetModel(ModelName.Parse("q"));
        Assert.Equal("Q8_0", m.Config.FileType);
        var layer = m.Manifest.Layers.Single();
        Assert.Null(layer.From);
        Assert.Contains("creating new layer " + layer.Digest, events.Select(e => e.Status));
        Assert.Empty(Directory.GetFiles(t.Store.Blobs.BlobsDirectory, "sha256-tmp*"));
    }

    [Fact]
    public async Task QuantizationErrors()
    {
        var (t, f16) = WithUploadedGguf("llama-tiny-F16.gguf");
        using var _ = t;
        var q4 = t.SharedGguf("llama-tiny-Q4_0.gguf");
        var hooks = new CreateHooks { Quantize = (_, _) => throw new InvalidOperationException("should not run") };

        var e1 = await Assert.ThrowsAsync<StoreException>(() => Create(t, "x", new CreateModelRequest { Files = new() { ["m.gguf"] = f16.Digest }, Quantize = "q9_z" }, hooks));
        Assert.StartsWith("unsupported quantization type Q9_Z - supported types are ", e1.Message);
        Assert.Contains("Q2_K", e1.Message);

        var e2 = await Assert.ThrowsAsync<CreateModelException>(() => Create(t, "x", new CreateModelRequest { Files = new() { ["m.gguf"] = q4.Digest }, Quantize = "q8_0" }, hooks));
        Assert.Equal("quantization is only supported for F16, BF16 and F32 models", e2.Message);
        Assert.False(e2.IsBadRequest);

        var e3 = await Assert.ThrowsAsync<CreateModelException>(() => Create(t, "x", new CreateModelRequest { Files = new() { ["m.gguf"] = f16.Digest }, Quantize = "Q4_K_M" }));
        Assert.Equal("quantizing F16 model to Q4_K_M is not available: no quantizer is configured", e3.Message);

        var e4 = await Assert.ThrowsAsync<CreateModelException>(() => Create(t, "x", new CreateModelRequest
        {
            Files = new() { ["m.gguf"] = f16.Digest },
            DraftFiles = new() { ["d.gguf"] = q4.Digest },
            DraftQuantize = "q8_0",
        }, hooks));
        Assert.Equal("draft quantization requires an unquantized draft model, got Q4_0", e4.Message);

        // Same type as the source: nothing to do, the hook is not called.
        await Create(t, "same", new CreateModelRequest { Files = new() { ["m.gguf"] = f16.Digest }, Quantize = "f16" }, hooks);
        Assert.Equal(f16.Digest, t.Store.GetManifest(ModelName.Parse("same")).Manifest.Layers[0].Digest);
    }

    [Fact]
    public async Task RemoteStubs()
    {
        using var t = new TestStore();
        await Create(t, "gpt", new CreateModelRequest { From = "gpt-oss:20b:cloud", System = "s" });
        var m = t.Store.GetModel(ModelName.Parse("gpt"));
        Assert.Equal(("gpt-oss:20b", "https://ollama.com:443"), (m.Config.RemoteModel, m.Config.RemoteHost));
        Assert.Equal([MediaTypes.System], m.Manifest.Layers.Select(l => l.MediaType));

        await Create(t, "r2", new CreateModelRequest { From = "llama3", RemoteHost = "example.com" });
        Assert.Equal("http://example.com:11434", t.Store.GetModel(ModelName.Parse("r2")).Config.RemoteHost);
    }

    [Theory]
    [InlineData("ollama.com", "https://ollama.com:443")]
    [InlineData("http://ollama.com", "https://ollama.com:443")]
    [InlineData("https://ollama.com", "https://ollama.com:11434")]
    [InlineData("example.com", "http://example.com:11434")]
    [InlineData("example.com:8080", "http://example.com:8080")]
    [InlineData("https://h:443/api/", "https://h:443/api")]
    [InlineData("http://h/a/../b", "http://h:11434/b")]
    [InlineData("http://h/", "http://h:11434")]
    [InlineData("/foo/../bar", "http://localhost:11434/bar")]
    [InlineData("http://[::1]:9000", "http://[::1]:9000")]
    [InlineData("http://", "http://localhost:11434")]
    public void RemoteUrlNormalisation(string raw, string expected) => Assert.Equal(expected, RemoteUrl.Normalize(raw));

    [Fact]
    public async Task MissingBaseIsPulledThroughTheHookOrReported()
    {
        var (t, gguf) = WithUploadedGguf("stories260K-Q4_0.gguf");
        using var _ = t;
        var e = await Assert.ThrowsAsync<ModelNotFoundException>(() => Create(t, "child", new CreateModelRequest { From = "remote/base:1b" }));
        Assert.Equal("model 'remote/base:1b' not found", e.Message);

        var hooks = new CreateHooks
        {
            PullBaseModel = (name, progress, ct) =>
            {
                progress(new CreateProgress("pulling manifest"));
                t.AddModel(name.ToString(), null, gguf);
                return Task.CompletedTask;
            },
        };
        var events = await Create(t, "child", new CreateModelRequest { From = "remote/base:1b" }, hooks);
        Assert.Equal("pulling manifest", events[0].Status);
        Assert.Equal("remote/base:1b", t.Store.GetModel(ModelName.Parse("child")).ParentModel);
    }

    [Fact]
    public async Task RemovedLayerBlobsSharedWithNewLayersSurvive()
    {
        var (t, gguf) = WithUploadedGguf("stories260K-Q4_0.gguf");
        using var _ = t;
        // The system text equals the license text: one blob backs both layers.
        await Create(t, "m", new CreateModelRequest { Files = new() { ["m.gguf"] = gguf.Digest }, System = "same", License = ["same"] });
        var m = t.Store.GetModel(ModelName.Parse("m"));
        Assert.Equal("same", m.System);
        Assert.Equal(["same"], m.Licenses);
    }

    [Fact]
    public void RequestJsonRoundTrip()
    {
        using var doc = JsonDocument.Parse("""
            {"Model":"m","name":"legacy","stream":false,"quantization":"q4_K_M","from":"base","files":{"a.gguf":"sha256:1"},
             "adapters":{"l.gguf":"sha256:2"},"template":"t","system":"s","license":"MIT","parameters":{"temperature":0.7,"stop":["<x>"]},
             "messages":[{"role":"User","content":"hi"}],"renderer":"r","parser":"p","requires":"0.1.0","unknown":1,"remote_host":null}
            """);
        var r = CreateModelRequest.FromJson(doc.RootElement);
        Assert.Equal(("m", false, "q4_K_M", "base"), (r.Model, r.Stream, r.Quantize, r.From));
        Assert.Equal(["MIT"], r.License);
        Assert.Equal([new ModelMessage("user", "hi")], r.Messages);
        Assert.Null(r.RemoteHost);
        Assert.Equal(
            "{\"model\":\"m\",\"stream\":false,\"quantize\":\"q4_K_M\",\"from\":\"base\",\"files\":{\"a.gguf\":\"sha256:1\"},\"adapters\":{\"l.gguf\":\"sha256:2\"}," +
            "\"template\":\"t\",\"license\":[\"MIT\"],\"system\":\"s\",\"parameters\":{\"stop\":[\"\\u003cx\\u003e\"],\"temperature\":0.7}," +
            "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"renderer\":\"r\",\"parser\":\"p\",\"requires\":\"0.1.0\"}",
            r.ToJson());

        using var arr = JsonDocument.Parse("{\"license\":[\"a\",\"b\"],\"name\":\"n\"}");
        var r2 = CreateModelRequest.FromJson(arr.RootElement);
        Assert.Equal(["a", "b"], r2.License);
        Assert.Equal("n", r2.Model);

        using var bad = JsonDocument.Parse("{\"stream\":\"yes\"}");
        Assert.True(Assert.Throws<CreateModelException>(() => CreateModelRequest.FromJson(bad.RootElement)).IsBadRequest);
        using var badLicense = JsonDocument.Parse("{\"license\":5}");
        Assert.Throws<CreateModelException>(() => CreateModelRequest.FromJson(badLicense.RootElement));
    }

    [Fact]
    public void ParamsJsonMatchesGosEncoding()
    {
        var p = new JsonObject { ["temperature"] = 0.7f, ["stop"] = new JsonArray("<|eot_id|>"), ["num_ctx"] = 4096L, ["use_mmap"] = false, ["min_p"] = 1e-7 };
        Assert.Equal("{\"min_p\":1e-7,\"num_ctx\":4096,\"stop\":[\"\\u003c|eot_id|\\u003e\"],\"temperature\":0.7,\"use_mmap\":false}\n",
            Encoding.UTF8.GetString(ModelCreator.ParamsJson(p)));
    }
}
