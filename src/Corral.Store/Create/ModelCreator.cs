using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Corral.Engine.Gguf;

namespace Corral.Store;

/// <summary>
/// The server side of <c>/api/create</c> (runtime.md §6.3) for GGUF files and <c>from</c> models: collects base layers,
/// applies quantization through <see cref="CreateHooks.Quantize"/>, fills the config, merges template/system/license/
/// parameters/messages layers, writes the config blob and manifest, prunes the replaced manifest's unused layers (unless
/// <c>OLLAMA_NOPRUNE</c>) and reports upstream's progress statuses.
/// </summary>
public sealed class ModelCreator(ModelStore store, CreateHooks? hooks = null)
{
    private const string QuantizeDigest = "0000000000000000000";
    private readonly CreateHooks _hooks = hooks ?? new CreateHooks();

    private sealed class PendingLayer(ManifestLayer layer, string? status, GgufModelInfo? gguf)
    {
        public ManifestLayer Layer { get; set; } = layer;
        public string? Status { get; set; } = status;
        public GgufModelInfo? Gguf { get; set; } = gguf;
        public string MediaType => Layer.MediaType;
    }

    /// <summary>
    /// Creates (or replaces) <paramref name="name"/>. Reports progress through <paramref name="progress"/>, ending with
    /// <c>success</c>. Failures throw <see cref="CreateModelException"/> (with the 400/500 distinction) or another
    /// <see cref="StoreException"/>.
    /// </summary>
    public async Task CreateAsync(ModelName name, CreateModelRequest request, Action<CreateProgress> progress, CancellationToken cancellationToken = default)
    {
        if (!name.IsValid) throw new CreateModelException("invalid model name", true);
        request.Validate();
        name = store.Canonicalize(name);

        var config = ModelConfig.NewLocal() with
        {
            Renderer = request.Renderer ?? "",
            Parser = request.Parser ?? "",
            Requires = request.Requires ?? "",
        };
        var oldManifest = store.TryGetManifest(name)?.Manifest;

        List<PendingLayer> layers;
        bool remote = false;
        if (!string.IsNullOrEmpty(request.From))
        {
            if (!ModelReference.TryParse(request.From, out var fromRef) || !ModelName.Parse(fromRef.Base).IsValid)
                throw new CreateModelException("invalid model name", true);
            string remoteHost = request.RemoteHost ?? "";
            if (fromRef.Source == ModelSource.Cloud && remoteHost.Length == 0) remoteHost = _hooks.CloudBaseUrl;
            if (remoteHost.Length > 0)
            {
                string url = RemoteUrl.Normalize(remoteHost) ?? throw new CreateModelException("bad remote", true);
                config = config with { RemoteModel = fromRef.Base, RemoteHost = url };
                layers = [];
                remote = true;
            }
            else
            {
                (layers, config) = await LayersFromModelAsync(store.Canonicalize(ModelName.Parse(fromRef.Base)), config, progress, cancellationToken).ConfigureAwait(false);
            }
        }
        else if (request.Files is not null)
        {
            layers = LayersFromFiles(request.Files, isAdapter: false, mediaType: null, detectTemplate: true, progress);
        }
        else
        {
            throw new CreateModelException("neither 'from' or 'files' was specified", true);
        }

        if (remote && request.DraftFiles is { Count: > 0 })
            throw new CreateModelException("DRAFT cannot be used with remote models", true);
        if (!remote && request.Adapters is not null)
            layers.AddRange(LayersFromFiles(request.Adapters, isAdapter: true, mediaType: null, detectTemplate: false, progress));
        if (!remote && request.DraftFiles is not null)
            layers.AddRange(LayersFromFiles(request.DraftFiles, isAdapter: false, mediaType: MediaTypes.Draft, detectTemplate: false, progress));

        if (request.Info is { } info) config = ApplyInfo(config, info);

        var parameters = request.Parameters is null ? new JsonObject() : (JsonObject)request.Parameters.DeepClone();
        foreach (var layer in layers)
        {
            if (layer.Gguf is null) continue;
            await QuantizeIfRequestedAsync(layer, request, progress, cancellationToken).ConfigureAwait(false);
            config = FillConfig(config, layer, parameters);
        }

        if (!string.IsNullOrEmpty(request.Template)) SetTemplate(layers, request.Template);
        if (!string.IsNullOrEmpty(request.System)) ReplaceWithText(layers, MediaTypes.System, request.System);
        foreach (var license in request.License ?? []) AddText(layers, MediaTypes.License, license);
        SetParameters(layers, parameters);
        if (request.Messages is { Count: > 0 } messages)
        {
            RemoveLayers(layers, MediaTypes.Messages);
            AddBlob(layers, MediaTypes.Messages, ModelMessage.ToLayerJson(messages));
        }

        var configBlob = store.Blobs.Write(config.ToJsonBytes());
        var configLayer = new ManifestLayer(MediaTypes.Config, configBlob.Digest, configBlob.Size);

        foreach (var layer in layers)
            if (layer.Status is { } status) progress(new CreateProgress(status));

        cancellationToken.ThrowIfCancellationRequested();
        progress(new CreateProgress("writing manifest"));
        store.WriteManifest(name, Manifest.Create(configLayer, layers.Select(l => l.Layer)));

        if (!store.Options.NoPrune && oldManifest is not null)
            store.RemoveUnreferencedBlobs(oldManifest.ReferencedDigests);

        progress(new CreateProgress("success"));
    }

    // ------------------------------------------------------------------ base layers

    private async Task<(List<PendingLayer>, ModelConfig)> LayersFromModelAsync(
        ModelName from, ModelConfig config, Action<CreateProgress> progress, CancellationToken ct)
    {
        var entry = store.TryGetManifest(from);
        if (entry is null)
        {
            if (_hooks.PullBaseModel is null) throw new ModelNotFoundException(from);
            await _hooks.PullBaseModel(from, progress, ct).ConfigureAwait(false);
            entry = store.TryGetManifest(from) ?? throw new ModelNotFoundException(from);
        }

        var layers = new List<PendingLayer>();
        foreach (var src in entry.Manifest.Layers)
        {
            var reused = Reuse(src.Digest, src.MediaType, from.DisplayShortest) with { Name = src.Name };
            GgufModelInfo? gguf = MediaTypes.IsGguf(src.MediaType) ? ReadGguf(store.Blobs.GetPath(src.Digest), from.DisplayShortest, badRequest: false) : null;
            layers.Add(new PendingLayer(reused, "using existing layer " + src.Digest, gguf));
        }

        try
        {
            var baseConfig = store.ReadConfig(entry.Manifest);
            config = config with
            {
                Renderer = Or(config.Renderer, baseConfig.Renderer),
                Parser = Or(config.Parser, baseConfig.Parser),
                Requires = Or(config.Requires, baseConfig.Requires),
                ModelFormat = Or(config.ModelFormat, baseConfig.ModelFormat),
                Capabilities = config.Capabilities is { Count: > 0 } ? config.Capabilities : baseConfig.Capabilities,
            };
        }
        catch (StoreException)
        {
            // Upstream ignores an unreadable base config here.
        }
        return (layers, config);
    }

    // Reuses an existing blob as a layer: touched (pruning grace), size from the file.
    private ManifestLayer Reuse(string digest, string mediaType, string from)
    {
        string path;
        try { path = store.Blobs.GetPath(digest); }
        catch (InvalidDigestException) { throw new CreateModelException(InvalidDigestException.MessageText, true); }
        var fi = new FileInfo(path);
        if (!fi.Exists) throw new CreateModelException($"blob {digest} is not in the store; upload it with POST /api/blobs/{digest} first", true);
        store.Blobs.Touch(digest);
        return new ManifestLayer(mediaType, digest, fi.Length, from);
    }

    private List<PendingLayer> LayersFromFiles(Dictionary<string, string> files, bool isAdapter, string? mediaType, bool detectTemplate, Action<CreateProgress> progress)
    {
        switch (DetectFileType(files))
        {
            case "safetensors":
                throw new CreateModelException(
                    "creating a model from safetensors files is not supported by Corral yet; convert it to GGUF (llama.cpp convert_hf_to_gguf.py) and create from the .gguf file", true);
            case "gguf":
                break;
            default:
                throw new CreateModelException("unknown type", true);
        }
        if (files.Count == 0) throw new CreateModelException("no files provided to convert", true);
        if (files.Count > 1 && isAdapter) throw new CreateModelException("only one adapter is currently supported", true);

        var layers = new List<PendingLayer>();
        foreach (var path in files.Keys.Order(StringComparer.Ordinal))
        {
            string digest = files[path];
            progress(new CreateProgress("parsing GGUF"));
            string blobPath;
            try { blobPath = store.Blobs.GetPath(digest); }
            catch (InvalidDigestException) { throw new CreateModelException(InvalidDigestException.MessageText, true); }
            if (!File.Exists(blobPath))
                throw new CreateModelException($"blob {digest} for file {GoFormat.Quote(path)} is not in the store; upload it with POST /api/blobs/{digest} first", true);
            if (!GgufFile.HasMagic(blobPath)) throw new CreateModelException("supplied file was not in GGUF format", true);

            var gguf = ReadGguf(blobPath, path, badRequest: true);
            if (gguf.SplitCount is > 1)
                throw new CreateModelException(
                    $"split GGUF {GoFormat.Quote(path)} is not supported yet; merge the shards first (llama-gguf-split --merge)", true);
            string type = mediaType ?? gguf.DetectMediaType();
            layers.Add(new PendingLayer(Reuse(digest, type, path), "using existing layer " + digest, gguf));
        }

        if (detectTemplate && _hooks.DetectTemplate is { } detect)
        {
            foreach (var layer in layers.ToList())
            {
                if (layer.Gguf is not { ChatTemplate.Length: > 0 } g || layer.MediaType != MediaTypes.Model) continue;
                if (detect(g.ChatTemplate) is not { } found) continue;
                var t = store.Blobs.Write(Encoding.UTF8.GetBytes(found.Template));
                layers.Add(new PendingLayer(new ManifestLayer(MediaTypes.Template, t.Digest, t.Size), $"using autodetected template {found.Name}", null));
                if (found.Parameters is { } p)
                {
                    var pb = store.Blobs.Write(ParamsJson(p));
                    layers.Add(new PendingLayer(new ManifestLayer(MediaTypes.Params, pb.Digest, pb.Size), pb.Status, null));
                }
                break;
            }
        }
        return layers;
    }

    // safetensors if any key says so, else gguf if any key says so, else sniff the blobs of extension-less keys.
    private string DetectFileType(Dictionary<string, string> files)
    {
        if (files.Keys.Any(k => k.EndsWith(".safetensors", StringComparison.Ordinal))) return "safetensors";
        if (files.Keys.Any(k => k.EndsWith(".gguf", StringComparison.Ordinal))) return "gguf";
        foreach (var digest in files.Values)
        {
            try
            {
                string path = store.Blobs.GetPath(digest);
                if (File.Exists(path) && GgufFile.HasMagic(path)) return "gguf";
            }
            catch (InvalidDigestException)
            {
                return "";
            }
        }
        return files.Count == 0 ? "gguf" : "";
    }

    private static GgufModelInfo ReadGguf(string path, string source, bool badRequest)
    {
        try
        {
            return GgufModelInfo.Read(path);
        }
        catch (GgufFormatException e)
        {
            throw new CreateModelException($"{source}: {e.Message}", badRequest, e);
        }
    }

    // ------------------------------------------------------------------ per-layer config and quantization

    private async Task QuantizeIfRequestedAsync(PendingLayer layer, CreateModelRequest request, Action<CreateProgress> progress, CancellationToken ct)
    {
        var gguf = layer.Gguf!;
        string quantType = layer.MediaType switch
        {
            MediaTypes.Model => (request.Quantize ?? "").ToUpperInvariant(),
            MediaTypes.Draft => (request.DraftQuantize ?? "").ToUpperInvariant(),
            _ => "",
        };
        string ft = gguf.FileType;
        if (quantType.Length == 0 && gguf.HasSourceFp8Tensors && layer.MediaType == MediaTypes.Model && GgufFileTypes.IsUnquantized(ft))
            quantType = "Q8_0";
        if (quantType.Length == 0 || layer.MediaType is not (MediaTypes.Model or MediaTypes.Draft)) return;

        string want = GgufFileTypes.ParseQuantizeTarget(quantType);
        if (layer.MediaType == MediaTypes.Draft && !GgufFileTypes.IsUnquantized(ft) && ft != GgufFileTypes.Unknown)
            throw new CreateModelException($"draft quantization requires an unquantized draft model, got {ft}", false);
        if (!GgufFileTypes.IsUnquantized(ft))
            throw new CreateModelException("quantization is only supported for F16, BF16 and F32 models", false);
        if (ft == want) return;
        if (_hooks.Quantize is not { } quantize)
            throw new CreateModelException($"quantizing {ft} model to {want} is not available: no quantizer is configured", false);

        long size = layer.Layer.Size;
        long totalTensorBytes = Math.Max(1, size - gguf.DataOffset);
        long done = 0;
        string status = $"quantizing {ft} model to {quantType}";
        string output = store.Blobs.NewTempPath();
        try
        {
            var job = new QuantizeJob(store.Blobs.GetPath(layer.Layer.Digest), output, ft, want, layer.MediaType, n =>
            {
                long now = Interlocked.Add(ref done, n);
                float fraction = (float)now / totalTensorBytes;
                progress(new CreateProgress(status, QuantizeDigest, size, (long)(fraction * size)));
            });
            await quantize(job, ct).ConfigureAwait(false);
            progress(new CreateProgress("verifying conversion"));
            var result = store.Blobs.Import(output, move: true);
            layer.Layer = new ManifestLayer(layer.MediaType, result.Digest, result.Size);
            layer.Status = result.Status;
            layer.Gguf = ReadGguf(store.Blobs.GetPath(result.Digest), "quantized model", badRequest: false);
        }
        finally
        {
            if (File.Exists(output)) File.Delete(output);
        }
    }

    private static ModelConfig FillConfig(ModelConfig config, PendingLayer layer, JsonObject parameters)
    {
        var g = layer.Gguf!;
        switch (layer.MediaType)
        {
            case MediaTypes.Model:
                config = config with
                {
                    ModelFormat = Or(config.ModelFormat, "gguf"),
                    ModelFamily = Or(config.ModelFamily, g.Architecture),
                    ModelType = Or(config.ModelType, HumanFormat.Number(g.ParameterCount)),
                    FileType = Or(config.FileType, g.FileType),
                    ModelFamilies = [.. config.ModelFamilies ?? [], g.Architecture],
                };
                if (config.Renderer.Length == 0 || config.Parser.Length == 0)
                {
                    switch (g.Architecture)
                    {
                        case "gemma4":
                            config = config with { Renderer = Or(config.Renderer, "gemma4"), Parser = Or(config.Parser, "gemma4") };
                            if (!parameters.ContainsKey("stop")) parameters["stop"] = new JsonArray("<turn|>");
                            break;
                        case "laguna":
                            config = config with { Renderer = Or(config.Renderer, "laguna"), Parser = Or(config.Parser, "laguna") };
                            break;
                        case "nemotron_h" or "nemotron_h_moe" or "nemotron_h_omni":
                            config = config with { Renderer = Or(config.Renderer, "nemotron-3-nano"), Parser = Or(config.Parser, "nemotron-3-nano") };
                            break;
                    }
                }
                break;
            case MediaTypes.Draft:
                config = config with { Draft = new DraftConfig(ModelFormat: "gguf", Architecture: g.Architecture) };
                break;
        }
        return config;
    }

    private static ModelConfig ApplyInfo(ModelConfig config, CreateInfo info)
    {
        if (info.Capabilities is { } caps) config = config with { Capabilities = [.. config.Capabilities ?? [], .. caps] };
        string family = info.ModelFamily ?? "";
        config = config with
        {
            ModelFamily = family,
            ModelFamilies = family.Length > 0 ? [family] : config.ModelFamilies,
            BaseName = info.BaseName ?? "",
            FileType = info.QuantizationLevel ?? "",
            ModelType = info.ParameterSize ?? "",
            ContextLength = info.ContextLength ?? 0,
            EmbeddingLength = info.EmbeddingLength ?? 0,
        };
        return config;
    }

    // ------------------------------------------------------------------ layer merging

    private void SetTemplate(List<PendingLayer> layers, string template)
    {
        if (_hooks.ValidateTemplate?.Invoke(template) is { } error)
            throw new CreateModelException("template error: " + error, true);
        RemoveLayers(layers, MediaTypes.Template);
        AddBlob(layers, MediaTypes.Template, Encoding.UTF8.GetBytes(template));
    }

    private void ReplaceWithText(List<PendingLayer> layers, string mediaType, string text)
    {
        RemoveLayers(layers, mediaType);
        AddBlob(layers, mediaType, Encoding.UTF8.GetBytes(text));
    }

    private void AddText(List<PendingLayer> layers, string mediaType, string text) => AddBlob(layers, mediaType, Encoding.UTF8.GetBytes(text));

    private void AddBlob(List<PendingLayer> layers, string mediaType, byte[] bytes)
    {
        var r = store.Blobs.Write(bytes);
        layers.Add(new PendingLayer(new ManifestLayer(mediaType, r.Digest, r.Size), r.Status, null));
    }

    private void SetParameters(List<PendingLayer> layers, JsonObject parameters)
    {
        foreach (var layer in layers.Where(l => l.MediaType == MediaTypes.Params))
        {
            byte[] bytes = File.ReadAllBytes(store.Blobs.GetPath(layer.Layer.Digest));
            JsonObject? existing;
            try { existing = JsonNode.Parse(bytes) as JsonObject; }
            catch (JsonException e) { throw new StoreException($"invalid parameters layer {layer.Layer.Digest}: {e.Message}"); }
            foreach (var (k, v) in existing ?? [])
                if (!parameters.ContainsKey(k)) parameters[k] = v?.DeepClone();
        }
        if (parameters.Count == 0) return;
        RemoveLayers(layers, MediaTypes.Params);
        AddBlob(layers, MediaTypes.Params, ParamsJson(parameters));
    }

    /// <summary>A params layer: the map Go-encoded (sorted keys, numbers as float64) with a trailing newline.</summary>
    public static byte[] ParamsJson(JsonObject parameters)
    {
        using var doc = JsonDocument.Parse(parameters.ToJsonString());
        return new GoJsonWriter().AnyValue(doc.RootElement).ToUtf8WithNewline();
    }

    // Drops every layer of a type; their blobs go too unless a manifest or a remaining layer still uses them.
    private void RemoveLayers(List<PendingLayer> layers, string mediaType)
    {
        var removed = layers.Where(l => l.MediaType == mediaType).Select(l => l.Layer.Digest).ToList();
        if (removed.Count == 0) return;
        layers.RemoveAll(l => l.MediaType == mediaType);
        var stillUsed = layers.Select(l => l.Layer.Digest).ToHashSet(StringComparer.Ordinal);
        store.RemoveUnreferencedBlobs(removed.Where(d => !stillUsed.Contains(d)));
    }

    private static string Or(string a, string b) => a.Length > 0 ? a : b;
}
