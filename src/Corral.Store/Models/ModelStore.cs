using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Corral.Config;

namespace Corral.Store;

/// <summary>Settings of a <see cref="ModelStore"/>; everything has a sensible default.</summary>
public sealed record ModelStoreOptions
{
    /// <summary><c>OLLAMA_NOPRUNE</c>: skip pruning at startup and of replaced layers after create/pull (delete still prunes).</summary>
    public bool NoPrune { get; init; }

    /// <summary>Receives informational messages and warnings (skipped manifests, prune totals).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Blobs younger than this are never pruned (another process may be about to reference them).</summary>
    public TimeSpan PruneGracePeriod { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The clock used for the grace period (tests move it).</summary>
    public Func<DateTime> UtcNow { get; init; } = () => DateTime.UtcNow;

    /// <summary>
    /// Capabilities a model's Go template implies (<c>tools</c>, <c>insert</c>, <c>thinking</c>), supplied by the server,
    /// which owns template parsing. Used by <see cref="ModelStore.List"/>; null adds none.
    /// </summary>
    public Func<string, ModelConfig, IEnumerable<string>>? TemplateCapabilities { get; init; }
}

/// <summary>What the startup maintenance did.</summary>
public sealed record StartupMaintenanceReport(int RenamedLegacyBlobs, bool PruneSkipped, string? SkipReason, PruneReport? Prune);

/// <summary>Result of a blob prune.</summary>
public sealed record PruneReport(int CandidateBlobs, int RemovedBlobs, int RemovedOtherFiles);

/// <summary>
/// The on-disk model store rooted at <c>$OLLAMA_MODELS</c> (runtime.md §3): manifests, blobs, model resolution, listing,
/// copy, delete and pruning. The root is explicit so tests and tools can point it anywhere; <see cref="FromEnvironment"/>
/// reads <c>OLLAMA_MODELS</c>/<c>OLLAMA_NOPRUNE</c>. Safe for concurrent readers; writers replace files atomically.
/// </summary>
public sealed class ModelStore
{
    private const string CorruptManifestsMessage = "corrupt manifests detected, skipping prune operation.  Re-pull or delete to clear";
    private readonly ConcurrentDictionary<string, GgufHeaderSummary?> _headerCache = new(StringComparer.Ordinal);

    public ModelStore(string modelsRoot, ModelStoreOptions? options = null)
    {
        Options = options ?? new ModelStoreOptions();
        Blobs = new BlobStore(modelsRoot);
        Root = Blobs.Root;
        ManifestsDirectory = Path.Combine(Root, "manifests");
    }

    public static ModelStore FromEnvironment(EnvConfig env, Action<string>? log = null) =>
        new(env.Models, new ModelStoreOptions { NoPrune = env.NoPrune, Log = log });

    public string Root { get; }

    public string ManifestsDirectory { get; }

    public BlobStore Blobs { get; }

    public ModelStoreOptions Options { get; }

    private void Log(string message) => Options.Log?.Invoke(message);

    // ------------------------------------------------------------------ manifests

    /// <summary><c>manifests/host/namespace/model/tag</c> for a valid name.</summary>
    public string GetManifestPath(ModelName name) => Path.Combine(ManifestsDirectory, name.ManifestRelativePath);

    /// <summary>
    /// Every manifest exactly four levels under <c>manifests/</c>. Directories are skipped; files with an invalid name or
    /// unparseable content are skipped with a warning (upstream's "continue on error" enumeration).
    /// </summary>
    public IReadOnlyList<ManifestEntry> ListManifests() => ScanManifests(out _);

    /// <summary>Like <see cref="ListManifests"/>, also reporting each problem file (used to decide whether pruning is safe).</summary>
    public IReadOnlyList<ManifestEntry> ScanManifests(out IReadOnlyList<string> problems)
    {
        var entries = new List<ManifestEntry>();
        var issues = new List<string>();
        if (Directory.Exists(ManifestsDirectory))
        {
            foreach (var path in FourLevelEntries())
            {
                if (Directory.Exists(path)) continue;
                string rel = Path.GetRelativePath(ManifestsDirectory, path);
                var name = ModelName.FromManifestPath(rel);
                if (name is null)
                {
                    issues.Add($"bad manifest name {rel}");
                    Log($"bad manifest name path={rel}");
                    continue;
                }
                try
                {
                    entries.Add(ReadEntry(name, path));
                }
                catch (Exception e) when (e is ManifestFormatException or IOException or UnauthorizedAccessException)
                {
                    issues.Add($"{name}: {e.Message}");
                    Log($"bad manifest name={name} error={e.Message}");
                }
            }
        }
        problems = issues;
        return entries;
    }

    // Deterministic order: ordinal by path (upstream iterates a Go map, i.e. randomly).
    private IEnumerable<string> FourLevelEntries()
    {
        static IEnumerable<string> Children(string dir)
        {
            try { return Directory.EnumerateFileSystemEntries(dir).Order(StringComparer.Ordinal).ToList(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
        }
        foreach (var h in Children(ManifestsDirectory).Where(Directory.Exists))
            foreach (var n in Children(h).Where(Directory.Exists))
                foreach (var m in Children(n).Where(Directory.Exists))
                    foreach (var t in Children(m))
                        yield return t;
    }

    private static ManifestEntry ReadEntry(ModelName name, string path)
    {
        var bytes = File.ReadAllBytes(path);
        var manifest = Manifest.Parse(bytes, name.ToString());
        return new ManifestEntry(name, manifest, path, new DateTimeOffset(File.GetLastWriteTime(path)));
    }

    /// <summary>
    /// Adopts the spelling of existing manifests part by part, case-insensitively (runtime.md §2.4): each of host,
    /// namespace, model and tag independently takes the spelling of any existing manifest's matching part (last match wins).
    /// </summary>
    public ModelName Canonicalize(ModelName name)
    {
        string host = name.Host, ns = name.Namespace, model = name.Model, tag = name.Tag;
        foreach (var e in ListManifestNames())
        {
            if (string.Equals(e.Host, name.Host, StringComparison.OrdinalIgnoreCase)) host = e.Host;
            if (string.Equals(e.Namespace, name.Namespace, StringComparison.OrdinalIgnoreCase)) ns = e.Namespace;
            if (string.Equals(e.Model, name.Model, StringComparison.OrdinalIgnoreCase)) model = e.Model;
            if (string.Equals(e.Tag, name.Tag, StringComparison.OrdinalIgnoreCase)) tag = e.Tag;
        }
        return name.WithParts(host, ns, model, tag);
    }

    /// <summary>Names of all manifests (valid names only; content is not parsed).</summary>
    public IReadOnlyList<ModelName> ListManifestNames()
    {
        if (!Directory.Exists(ManifestsDirectory)) return [];
        var names = new List<ModelName>();
        foreach (var path in FourLevelEntries())
        {
            if (Directory.Exists(path)) continue;
            if (ModelName.FromManifestPath(Path.GetRelativePath(ManifestsDirectory, path)) is { } n) names.Add(n);
        }
        return names;
    }

    /// <summary>The manifest stored under exactly this name (no case folding), or null when there is none.</summary>
    public ManifestEntry? TryGetManifest(ModelName name)
    {
        if (!name.IsValid) return null;
        string path = GetManifestPath(name);
        if (!File.Exists(path)) return null;
        try { return ReadEntry(name, path); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    /// <summary>The manifest for <paramref name="name"/>; throws <see cref="ModelNotFoundException"/> when absent.</summary>
    public ManifestEntry GetManifest(ModelName name) => TryGetManifest(name) ?? throw new ModelNotFoundException(name);

    public bool Exists(ModelName name) => name.IsValid && File.Exists(GetManifestPath(name));

    /// <summary>Writes a manifest Corral built (atomically: temp file, flush, rename).</summary>
    public ManifestEntry WriteManifest(ModelName name, Manifest manifest)
    {
        WriteFileAtomically(GetManifestPath(name), manifest.Bytes);
        return GetManifest(name);
    }

    /// <summary>Stores a pulled manifest byte for byte (validated first, so a broken download never lands).</summary>
    public ManifestEntry WriteManifestBytes(ModelName name, byte[] bytes)
    {
        Manifest.Parse(bytes, name.ToString());
        WriteFileAtomically(GetManifestPath(name), bytes);
        return GetManifest(name);
    }

    private void WriteFileAtomically(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // The temp file lives in blobs/ (same file system, outside the manifest glob) and is pruned if a crash strands it.
        string temp = Blobs.NewTempPath();
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.Move(temp, path, overwrite: true);
        }
        catch (IOException e) when (BlobStore.IsDiskFull(e))
        {
            TryDelete(temp);
            throw new DiskFullException($"not enough disk space to write manifest {path}: {e.Message}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    // ------------------------------------------------------------------ reading a model

    /// <summary>Reads a model (runtime.md §3.5) stored under exactly this name. Throws <see cref="ModelNotFoundException"/> when there is no manifest.</summary>
    public StoredModel GetModel(ModelName name) => ReadModel(GetManifest(name));

    /// <summary><see cref="Canonicalize"/> then <see cref="GetModel"/>: how request names find models (<c>LLaMA3.2</c> finds <c>llama3.2:latest</c>).</summary>
    public StoredModel Resolve(ModelName name) => GetModel(Canonicalize(name));

    /// <summary><see cref="Resolve"/>, or null when there is no such model.</summary>
    public StoredModel? TryResolve(ModelName name)
    {
        if (!name.IsValid) return null;
        var entry = TryGetManifest(Canonicalize(name));
        return entry is null ? null : ReadModel(entry);
    }

    /// <summary>Resolves a manifest's layers into a <see cref="StoredModel"/>.</summary>
    public StoredModel ReadModel(ManifestEntry entry)
    {
        var mf = entry.Manifest;
        var config = ReadConfig(mf);
        string? modelPath = null, draftPath = null, template = null, system = "";
        string parent = "";
        bool embed = false;
        var projectors = new List<string>();
        var adapters = new List<string>();
        var licenses = new List<string>();
        IReadOnlyDictionary<string, JsonElement> parameters = new Dictionary<string, JsonElement>();
        IReadOnlyList<ModelMessage> messages = [];

        foreach (var layer in mf.Layers)
        {
            string path = LayerPath(layer, entry.Name);
            switch (layer.MediaType)
            {
                case MediaTypes.Model:
                    modelPath = path;
                    parent = layer.From ?? "";
                    break;
                case MediaTypes.Draft:
                    draftPath = path;
                    break;
                case MediaTypes.Embed:
                    embed = true;
                    Log("WARNING: model contains embeddings, but embeddings in modelfiles have been deprecated and will be ignored.");
                    break;
                case MediaTypes.Adapter:
                    adapters.Add(path);
                    break;
                case MediaTypes.Projector:
                    projectors.Add(path);
                    break;
                case MediaTypes.Prompt or MediaTypes.Template:
                    template = ReadText(path, layer, entry.Name);
                    break;
                case MediaTypes.System:
                    system = ReadText(path, layer, entry.Name);
                    break;
                case MediaTypes.Params:
                    parameters = ReadParams(path, layer, entry.Name);
                    break;
                case MediaTypes.Messages:
                    messages = ReadMessages(path, layer, entry.Name);
                    break;
                case MediaTypes.License:
                    licenses.Add(ReadText(path, layer, entry.Name));
                    break;
            }
        }

        return new StoredModel
        {
            Name = entry.Name,
            Manifest = mf,
            Config = config,
            ModelPath = modelPath,
            ParentModel = parent,
            DraftPath = draftPath,
            ProjectorPaths = projectors,
            AdapterPaths = adapters,
            Template = template,
            System = system,
            Parameters = parameters,
            Messages = messages,
            Licenses = licenses,
            ModifiedAt = entry.ModifiedAt,
            HasDeprecatedEmbedLayer = embed,
        };
    }

    /// <summary>The config blob of a manifest (an empty config when the manifest has none).</summary>
    public ModelConfig ReadConfig(Manifest manifest)
    {
        if (string.IsNullOrEmpty(manifest.Config.Digest)) return new ModelConfig();
        string path = LayerPath(manifest.Config, null);
        try
        {
            return ModelConfig.Parse(File.ReadAllBytes(path), manifest.Config.Digest);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw MissingBlob(manifest.Config.Digest, null);
        }
    }

    private string LayerPath(ManifestLayer layer, ModelName? model)
    {
        if (!Digest.IsValid(layer.Digest))
            throw new ManifestFormatException($"invalid manifest{(model is null ? "" : " " + model)}: layer digest {GoFormat.Quote(layer.Digest)} is not a sha256 digest");
        return Blobs.GetPath(layer.Digest);
    }

    private static StoreException MissingBlob(string digest, ModelName? model) =>
        new($"blob {digest}{(model is null ? "" : " of model " + model.DisplayShortest)} is missing from the store; pull or create the model again");

    private static string ReadText(string path, ManifestLayer layer, ModelName model)
    {
        try { return File.ReadAllText(path, new UTF8Encoding(false)); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw MissingBlob(layer.Digest, model); }
    }

    private static IReadOnlyDictionary<string, JsonElement> ReadParams(string path, ManifestLayer layer, ModelName model)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw MissingBlob(layer.Digest, model); }
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowMultipleValues = true });
            using var doc = JsonDocument.ParseValue(ref reader);
            var result = new OrderedDictionary<string, JsonElement>(StringComparer.Ordinal);
            if (doc.RootElement.ValueKind == JsonValueKind.Null) return result;
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("expected a JSON object");
            foreach (var p in doc.RootElement.EnumerateObject()) result[p.Name] = p.Value.Clone();
            return result;
        }
        catch (JsonException e)
        {
            throw new ManifestFormatException($"invalid parameters layer {layer.Digest} of model {model.DisplayShortest}: {e.Message}");
        }
    }

    private static IReadOnlyList<ModelMessage> ReadMessages(string path, ManifestLayer layer, ModelName model)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw MissingBlob(layer.Digest, model); }
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowMultipleValues = true });
            using var doc = JsonDocument.ParseValue(ref reader);
            return ModelMessage.ParseArray(doc.RootElement, "messages");
        }
        catch (JsonException e)
        {
            throw new ManifestFormatException($"invalid messages layer {layer.Digest} of model {model.DisplayShortest}: {e.Message}");
        }
    }

    // ------------------------------------------------------------------ listing

    /// <summary>
    /// The <c>/api/tags</c> data, most recently modified first (ties by name). Models whose config cannot be read are
    /// skipped with a warning. Context and embedding lengths come from the config or, for local GGUF models, from a
    /// header scan that is cached per blob digest.
    /// </summary>
    public IReadOnlyList<ModelListEntry> List()
    {
        var result = new List<ModelListEntry>();
        foreach (var entry in ListManifests())
        {
            try
            {
                result.Add(BuildListEntry(entry));
            }
            catch (Exception e) when (e is StoreException or IOException or UnauthorizedAccessException)
            {
                Log($"failed to read model for listing model={entry.Name} error={e.Message}");
            }
        }
        return result
            .OrderByDescending(e => e.ModifiedAt.ToUnixTimeSeconds())
            .ThenBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
    }

    private ModelListEntry BuildListEntry(ManifestEntry entry)
    {
        var mf = entry.Manifest;
        var cfg = ReadConfig(mf);
        string parent = "";
        string? modelDigest = null;
        string template = StoredModel.DefaultTemplate;
        int projectors = 0;
        foreach (var layer in mf.Layers)
        {
            switch (layer.MediaType)
            {
                case MediaTypes.Model:
                    modelDigest = layer.Digest;
                    parent = layer.From ?? "";
                    break;
                case MediaTypes.Projector:
                    projectors++;
                    break;
                case MediaTypes.Prompt or MediaTypes.Template:
                    template = ReadText(LayerPath(layer, entry.Name), layer, entry.Name);
                    break;
            }
        }

        long ctx = cfg.ContextLength, embd = cfg.EmbeddingLength;
        string quant = cfg.FileType;
        var caps = new List<string>();
        void Add(string c) { if (!caps.Contains(c)) caps.Add(c); }

        if (!cfg.IsRemote && modelDigest is not null && HeaderSummary(modelDigest) is { } info)
        {
            foreach (var c in info.Capabilities) Add(c);
            if (ctx == 0) ctx = info.ContextLength;
            if (embd == 0) embd = info.EmbeddingLength;
            string ggufQuant = GgufFileTypes.Describe(info.FileType);
            if (quant is "" or GgufFileTypes.Unknown && ggufQuant != GgufFileTypes.Unknown) quant = ggufQuant;
        }
        foreach (var c in cfg.Capabilities ?? []) Add(c);
        if (Options.TemplateCapabilities is { } templateCaps)
        {
            try { foreach (var c in templateCaps(template, cfg)) Add(c); }
            catch (Exception e) { Log($"model template contains errors model={entry.Name} error={e.Message}"); }
        }
        if (projectors > 0) Add("vision");

        var details = new ModelDetails(parent, cfg.ModelFormat, cfg.ModelFamily, cfg.ModelFamilies?.ToList(), cfg.ModelType, quant, ctx, embd);
        return new ModelListEntry(entry.Name, entry.Name.DisplayShortest, entry.ModifiedAt, mf.TotalSize, mf.Digest, details, caps,
            cfg.RemoteModel, cfg.RemoteHost);
    }

    /// <summary>The cheap GGUF header summary of a blob, cached by digest (blobs are immutable); null if unreadable.</summary>
    public GgufHeaderSummary? HeaderSummary(string digest)
    {
        if (!Digest.IsValid(digest)) return null;
        if (_headerCache.TryGetValue(digest, out var cached)) return cached;
        GgufHeaderSummary? summary = null;
        try
        {
            summary = GgufHeaderSummary.Read(Blobs.GetPath(digest));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Corral.Engine.Gguf.GgufFormatException)
        {
            Log($"failed to read gguf model metadata digest={digest} error={e.Message}");
            return null; // not cached: the blob may appear later
        }
        _headerCache[digest] = summary;
        return summary;
    }

    // ------------------------------------------------------------------ copy / delete

    /// <summary>
    /// Copies the manifest bytes of <paramref name="source"/> to <paramref name="destination"/> (same digest). Copying a
    /// name onto its own file is a no-op. Throws <see cref="ModelNotFoundException"/> when the source is missing.
    /// </summary>
    public void Copy(ModelName source, ModelName destination)
    {
        if (!source.IsValid) throw new StoreException($"source \"{source}\" is invalid");
        if (!destination.IsValid) throw new StoreException($"destination \"{destination}\" is invalid");
        if (source.ManifestRelativePath == destination.ManifestRelativePath) return;
        byte[] bytes;
        try { bytes = File.ReadAllBytes(GetManifestPath(source)); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw new ModelNotFoundException(source); }
        WriteFileAtomically(GetManifestPath(destination), bytes);
    }

    /// <summary>
    /// Removes a model: its manifest, empty manifest folders, and every blob of it that no other manifest references —
    /// regardless of <see cref="ModelStoreOptions.NoPrune"/>. Throws <see cref="ModelNotFoundException"/> when absent.
    /// </summary>
    public void Delete(ModelName name)
    {
        var entry = GetManifest(name);
        File.Delete(entry.Path);
        PruneEmptyManifestDirectories();
        RemoveUnreferencedBlobs(entry.Manifest.ReferencedDigests);
    }

    /// <summary>Deletes those of <paramref name="digests"/> that no manifest references any more; returns how many went.</summary>
    public int RemoveUnreferencedBlobs(IEnumerable<string> digests)
    {
        var candidates = new HashSet<string>(digests.Where(d => !string.IsNullOrEmpty(d)), StringComparer.Ordinal);
        if (candidates.Count == 0) return 0;
        foreach (var m in ListManifests())
            foreach (var d in m.Manifest.ReferencedDigests)
                candidates.Remove(d);
        int removed = 0;
        foreach (var d in candidates)
        {
            try
            {
                if (Digest.IsValid(d) && Blobs.Delete(d)) removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log($"couldn't remove blob {d}: {e.Message}");
            }
        }
        return removed;
    }

    /// <summary>Removes empty folders below <c>manifests/</c> (the folder itself is kept).</summary>
    public void PruneEmptyManifestDirectories()
    {
        if (!Directory.Exists(ManifestsDirectory)) return;
        foreach (var dir in Directory.EnumerateDirectories(ManifestsDirectory)) PruneDirectory(dir);
    }

    private static void PruneDirectory(string dir)
    {
        var info = new DirectoryInfo(dir);
        if (info.LinkTarget is not null) return; // never follow symlinks
        foreach (var sub in info.EnumerateDirectories()) PruneDirectory(sub.FullName);
        if (!info.EnumerateFileSystemInfos().Any()) info.Delete();
    }

    // ------------------------------------------------------------------ startup / pruning

    /// <summary>
    /// What <c>serve</c> does before listening (runtime.md §3.6): rename legacy <c>sha256:</c> blob names; then, unless
    /// <c>OLLAMA_NOPRUNE</c>, refuse to prune if any manifest is corrupt, else prune old unreferenced blobs and empty
    /// manifest folders.
    /// </summary>
    public StartupMaintenanceReport RunStartupMaintenance()
    {
        Directory.CreateDirectory(Blobs.BlobsDirectory);
        Directory.CreateDirectory(ManifestsDirectory);
        int renamed = Blobs.FixLegacyNames();
        if (Options.NoPrune) return new StartupMaintenanceReport(renamed, true, "OLLAMA_NOPRUNE", null);

        ScanManifests(out var problems);
        if (problems.Count > 0)
        {
            Log($"{CorruptManifestsMessage} error={problems[0]}");
            return new StartupMaintenanceReport(renamed, true, CorruptManifestsMessage, null);
        }
        var report = PruneBlobs();
        PruneEmptyManifestDirectories();
        return new StartupMaintenanceReport(renamed, false, null, report);
    }

    /// <summary>
    /// Deletes blob-folder entries older than the grace period that are either not digest-named (partial downloads, temp
    /// files) or digests no manifest references.
    /// </summary>
    public PruneReport PruneBlobs()
    {
        var now = Options.UtcNow();
        var candidates = new HashSet<string>(StringComparer.Ordinal);
        int others = 0;
        foreach (var f in Blobs.EnumerateFiles())
        {
            if (now - f.LastWriteTimeUtc < Options.PruneGracePeriod) continue;
            if (f.Digest is { } digest)
            {
                candidates.Add(digest);
                continue;
            }
            try
            {
                File.Delete(f.FullPath);
                others++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log($"couldn't remove blob blob={f.FileName} error={e.Message}");
            }
        }
        Log($"total blobs: {candidates.Count}");
        int removed = RemoveUnreferencedBlobs(candidates);
        Log($"total unused blobs removed: {removed}");
        return new PruneReport(candidates.Count, removed, others);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
