using System.Text;

namespace Corral.Store.Registry;

/// <summary>A manifest fetched from a registry: parsed, plus the exact bytes (stored byte for byte after a pull).</summary>
public sealed record RemoteManifest(Manifest Manifest, byte[] Bytes);

/// <summary>
/// Pulls models from and pushes them to OCI-distribution registries the way upstream Ollama does (runtime.md §4):
/// <c>registry.ollama.ai</c> by default, any <c>host[:port]/namespace/model:tag</c> (including <c>hf.co/{user}/{repo}:{quant}</c>),
/// <c>http</c> only when asked for <c>insecure</c>. Blobs download in parallel ranged parts that survive interruptions and
/// restarts, are verified before they become visible, and are shared between concurrent pulls. One instance serves a whole
/// server; it is thread-safe.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    /// <summary>Largest manifest accepted (tensor-layer manifests list every tensor, so allow plenty).</summary>
    public const int MaxManifestBytes = 32 << 20;

    public const string InsecureProtocolMessage = "insecure protocol http";
    public const string MlxRequiredMessage = "this model requires MLX support, but the MLX runtime is not available";

    private readonly RegistryTransport _transport;
    private readonly BlobDownloads _downloads;

    public RegistryClient(ModelStore store, RegistryClientOptions? options = null)
    {
        Store = store;
        Options = options ?? new RegistryClientOptions();
        _transport = new RegistryTransport(Options);
        _downloads = new BlobDownloads(Options, _transport);
    }

    public ModelStore Store { get; }

    public RegistryClientOptions Options { get; }

    /// <summary>Blob downloads in flight (shared ones count once).</summary>
    public int ActiveDownloads => _downloads.ActiveCount;

    public void Dispose() => _transport.Dispose();

    /// <summary>
    /// Pulls <paramref name="name"/> (a valid name with defaults applied) into the store (runtime.md §4.3): statuses
    /// <c>pulling manifest</c>, <c>pulling &lt;12hex&gt;</c> per blob, <c>verifying sha256 digest</c>, <c>writing manifest</c>,
    /// <c>removing unused layers</c> (when the previous manifest's layers became unused and OLLAMA_NOPRUNE is off),
    /// <c>success</c>. Errors are <see cref="RegistryException"/>s with upstream's messages
    /// (<c>pull model manifest: file does not exist</c>, digest mismatch, <c>max retries exceeded: …</c>).
    /// </summary>
    public async Task PullAsync(ModelName name, bool insecure, Action<RegistryProgress> progress, CancellationToken ct = default)
    {
        RequireValid(name);
        var unused = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            if (Store.TryGetManifest(name) is { } previous) unused.UnionWith(previous.Manifest.ReferencedDigests);
        }
        catch (ManifestFormatException e)
        {
            Store.Options.Log?.Invoke($"pulling model with bad existing manifest name={name} error={e.Message}");
        }
        if (IsHttp(name) && !insecure) throw new RegistryException(InsecureProtocolMessage);

        var session = new RegistrySession(insecure);
        progress(new RegistryProgress("pulling manifest"));
        RemoteManifest remote;
        try
        {
            remote = await FetchManifestAsync(session, name, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RegistryException or ManifestFormatException or HttpRequestException or IOException)
        {
            throw new RegistryException($"pull model manifest: {e.Message}", e);
        }
        var manifest = remote.Manifest;
        if (manifest.Layers.Any(l => l.MediaType == MediaTypes.Tensor)) throw new RegistryException(MlxRequiredMessage);

        var blobs = manifest.Layers.ToList();
        if (!string.IsNullOrEmpty(manifest.Config.Digest)) blobs.Add(manifest.Config);
        foreach (var layer in blobs)
        {
            if (string.IsNullOrEmpty(layer.Digest)) throw new RegistryException($"{name.RepositoryPath}: digest is empty");
            if (!Digest.IsValid(layer.Digest)) throw new InvalidDigestException(layer.Digest);
        }
        foreach (var layer in blobs)
            await _downloads.EnsureAsync(Store.Blobs, session, name, layer.Digest, progress, ct).ConfigureAwait(false);

        // Every downloaded blob was hashed before it got its final name, so this step only keeps upstream's sequence.
        progress(new RegistryProgress("verifying sha256 digest"));
        unused.ExceptWith(blobs.Select(b => b.Digest));

        progress(new RegistryProgress("writing manifest"));
        Store.WriteManifestBytes(name, remote.Bytes);

        if (!Store.Options.NoPrune && unused.Count > 0)
        {
            progress(new RegistryProgress("removing unused layers"));
            try
            {
                Store.RemoveUnreferencedBlobs(unused);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or StoreException)
            {
                progress(new RegistryProgress($"couldn't remove unused layers: {e.Message}"));
            }
        }
        progress(new RegistryProgress("success"));
    }

    /// <summary>
    /// Pushes the local model <paramref name="name"/> (runtime.md §4.6): <c>retrieving manifest</c> (a missing model reports
    /// <c>couldn't retrieve manifest</c> and then fails), <c>pushing &lt;12hex&gt;</c> per layer and the config (blobs the
    /// registry has are skipped after a <c>HEAD</c>), <c>pushing manifest</c>, <c>success</c>.
    /// </summary>
    public async Task PushAsync(ModelName name, bool insecure, Action<RegistryProgress> progress, CancellationToken ct = default)
    {
        progress(new RegistryProgress("retrieving manifest"));
        if (IsHttp(name) && !insecure) throw new RegistryException(InsecureProtocolMessage);
        ManifestEntry? entry = name.IsValid ? Store.TryGetManifest(name) : null;
        if (entry is null)
        {
            progress(new RegistryProgress("couldn't retrieve manifest"));
            if (!name.IsValid) throw new StoreException($"invalid model name {GoFormat.Quote(name.ToString())}");
            throw new StoreException($"open {Store.GetManifestPath(name)}: no such file or directory");
        }
        var manifest = entry.Manifest;
        var blobs = manifest.Layers.ToList();
        if (!string.IsNullOrEmpty(manifest.Config.Digest)) blobs.Add(manifest.Config);
        if (blobs.Any(l => l.MediaType == MediaTypes.Tensor))
            throw new RegistryException("pushing models with tensor layers is not supported");

        var session = new RegistrySession(insecure);
        foreach (var layer in blobs)
        {
            if (!Digest.IsValid(layer.Digest)) throw new InvalidDigestException(layer.Digest);
            var upload = new BlobUpload(Options, _transport, session, name, layer, Store.Blobs.GetPath(layer.Digest));
            try
            {
                await upload.RunAsync(progress, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Options.Log?.Invoke($"error uploading blob: {e.Message}");
                throw;
            }
        }

        progress(new RegistryProgress("pushing manifest"));
        var body = SerializeForPush(manifest);
        using (await _transport.SendAsync(session, HttpMethod.Put, RegistryUrls.Manifest(name, insecure), ct, content: () =>
        {
            var c = new ByteArrayContent(body);
            c.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(MediaTypes.Manifest);
            return c;
        }).ConfigureAwait(false))
        {
        }
        progress(new RegistryProgress("success"));
    }

    /// <summary>Fetches a manifest without storing anything (e.g. to compare digests).</summary>
    public Task<RemoteManifest> GetManifestAsync(ModelName name, bool insecure, CancellationToken ct = default)
    {
        RequireValid(name);
        if (IsHttp(name) && !insecure) throw new RegistryException(InsecureProtocolMessage);
        return FetchManifestAsync(new RegistrySession(insecure), name, ct);
    }

    /// <summary>
    /// The manifest as upstream pushes it: re-serialised compactly from the parsed fields (<c>from</c>/<c>name</c> kept when
    /// present), without a trailing newline.
    /// </summary>
    public static byte[] SerializeForPush(Manifest manifest)
    {
        var w = new GoJsonWriter();
        w.BeginObject()
            .Name("schemaVersion").Number(manifest.SchemaVersion)
            .Name("mediaType").String(manifest.MediaType)
            .Name("config");
        manifest.Config.WriteTo(w);
        w.Name("layers").BeginArray();
        foreach (var l in manifest.Layers) l.WriteTo(w);
        w.EndArray().EndObject();
        return Encoding.UTF8.GetBytes(w.ToString());
    }

    private async Task<RemoteManifest> FetchManifestAsync(RegistrySession session, ModelName name, CancellationToken ct)
    {
        using var response = await _transport.SendAsync(session, HttpMethod.Get, RegistryUrls.Manifest(name, session.Insecure), ct,
            headers: h => h.TryAddWithoutValidation("Accept", MediaTypes.Manifest), completion: HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        if (response.Content.Headers.ContentLength > MaxManifestBytes)
            throw new RegistryException($"manifest is too large ({response.Content.Headers.ContentLength} bytes)");
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > MaxManifestBytes) throw new RegistryException($"manifest is larger than {MaxManifestBytes} bytes");
        }
        var bytes = buffer.ToArray();
        return new RemoteManifest(Manifest.Parse(bytes), bytes);
    }

    private static bool IsHttp(ModelName name) => string.Equals(name.Scheme, "http", StringComparison.OrdinalIgnoreCase);

    private static void RequireValid(ModelName name)
    {
        if (!name.IsValid) throw new StoreException($"invalid model name {GoFormat.Quote(name.ToString())}");
    }
}
