using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Corral.Store.Registry;

/// <summary>
/// Pushes one blob (runtime.md §4.6): a <c>HEAD</c> skips blobs the registry has; otherwise <c>POST …/blobs/uploads/</c>
/// (with <c>mount</c>/<c>from</c> when the layer came from another model, a 201 meaning it was mounted), then the parts by
/// <c>PATCH</c> — serially, each answer naming the next upload URL, or in parallel where the registry answers 307 and the
/// part goes by <c>PUT</c> to the redirect — and finally <c>PUT ?digest=…&amp;etag=…</c> to commit.
/// </summary>
internal sealed class BlobUpload
{
    private readonly RegistryClientOptions _options;
    private readonly RegistryTransport _transport;
    private readonly RegistrySession _session;
    private readonly ModelName _name;
    private readonly ManifestLayer _layer;
    private readonly string _path;
    private long _completed;

    public BlobUpload(RegistryClientOptions options, RegistryTransport transport, RegistrySession session, ModelName name, ManifestLayer layer, string path)
    {
        _options = options;
        _transport = transport;
        _session = session;
        _name = name;
        _layer = layer;
        _path = path;
    }

    private string ShortHex => RegistryProgress.ShortHex(_layer.Digest);

    /// <summary>Uploads unless the registry already has the blob; reports <c>pushing &lt;12hex&gt;</c> progress.</summary>
    public async Task RunAsync(Action<RegistryProgress> progress, CancellationToken ct)
    {
        string digest = _layer.Digest;
        try
        {
            using var head = await _transport.SendAsync(_session, HttpMethod.Head, RegistryUrls.Blob(_name, digest, _session.Insecure), ct).ConfigureAwait(false);
            progress(RegistryProgress.Pushing(digest, _layer.Size, _layer.Size));
            return;
        }
        catch (RegistryNotFoundException)
        {
        }

        var info = new FileInfo(_path);
        if (!info.Exists) throw new StoreException($"blob {digest} is missing from the store; pull or create the model again before pushing it");
        long total = info.Length;

        var work = UploadAsync(total, ct);
        while (!work.IsCompleted)
        {
            var tick = Task.Delay(_options.ProgressInterval, ct);
            await Task.WhenAny(work, tick).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            if (!work.IsCompleted) progress(RegistryProgress.Pushing(digest, total, Interlocked.Read(ref _completed)));
        }
        await work.ConfigureAwait(false);
        progress(RegistryProgress.Pushing(digest, total, total));
    }

    private async Task UploadAsync(long total, CancellationToken ct)
    {
        var start = RegistryUrls.Uploads(_name, _session.Insecure);
        if (_layer.From is { Length: > 0 } from && ModelName.Parse(from) is { IsValid: true } source)
            start = GoQuery.WithQuery(start, [new("mount", _layer.Digest), new("from", source.RepositoryPath)]);

        Uri location;
        using (var created = await _transport.SendAsync(_session, HttpMethod.Post, start, ct, content: () => new ByteArrayContent([])).ConfigureAwait(false))
        {
            if (created.StatusCode == HttpStatusCode.Created)
            {
                Interlocked.Exchange(ref _completed, total);
                return; // mounted from the other repository
            }
            location = UploadLocation(created) ?? throw new RegistryException($"registry did not say where to upload blob {_layer.Digest} (no Location header)");
        }

        long size = _options.PartSizeFor(total);
        var parts = new List<(int N, long Offset, long Size)>();
        for (long offset = 0; offset < total; offset += size) parts.Add((parts.Count, offset, Math.Min(size, total - offset)));
        if (parts.Count > 0)
            _options.Log?.Invoke($"uploading {ShortHex} in {parts.Count} {HumanFormat.Bytes(parts[0].Size)} part(s)");

        await using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.RandomAccess);
        var redirected = new List<Task>();
        using var limit = new SemaphoreSlim(Math.Max(1, _options.MaxParallelParts));
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var md5s = new byte[parts.Count][];
        try
        {
            foreach (var part in parts)
            {
                md5s[part.N] = await PartMd5Async(file, part.Offset, part.Size, failed.Token).ConfigureAwait(false);
                var (next, redirect) = await PatchWithRetriesAsync(file, location, part, failed.Token).ConfigureAwait(false);
                location = next;
                if (redirect is not null)
                {
                    await limit.WaitAsync(failed.Token).ConfigureAwait(false);
                    redirected.Add(PutRedirectedAsync(file, redirect, part, limit, failed));
                }
            }
            await Task.WhenAll(redirected).ConfigureAwait(false);
        }
        catch
        {
            failed.Cancel();
            try { await Task.WhenAll(redirected).ConfigureAwait(false); } catch { /* the first error is the one reported */ }
            throw;
        }

        string etag = Convert.ToHexStringLower(MD5.HashData(md5s.SelectMany(m => m).ToArray())) + "-" + parts.Count;
        var commit = GoQuery.WithQuery(location, [new("digest", _layer.Digest), new("etag", etag)]);
        await WithRetriesAsync("complete upload", async () =>
        {
            using var r = await _transport.SendAsync(_session, HttpMethod.Put, commit, ct, content: () =>
            {
                var c = new ByteArrayContent([]);
                c.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                return c;
            }).ConfigureAwait(false);
        }, null, ct).ConfigureAwait(false);
    }

    /// <summary><c>PATCH</c>es one part to the current upload URL. Returns the next upload URL and, when the registry
    /// answered 307, where the part must be <c>PUT</c> instead.</summary>
    private async Task<(Uri Next, Uri? Redirect)> PatchWithRetriesAsync(FileStream file, Uri url, (int N, long Offset, long Size) part, CancellationToken ct)
    {
        (Uri, Uri?) result = default;
        await WithRetriesAsync($"part {part.N}", async () =>
        {
            var target = RegistryTransport.Effective(_session, url);
            using var request = new HttpRequestMessage(HttpMethod.Patch, target);
            request.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
            request.Headers.TryAddWithoutValidation("X-Redirect-Uploads", "1");
            if (_session.Token is { } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var content = new PartContent(file, part.Offset, part.Size, this);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Headers.TryAddWithoutValidation("Content-Range", $"{part.Offset}-{part.Offset + part.Size - 1}");
            request.Content = content;
            HttpResponseMessage sent;
            try { sent = await _transport.Http.SendAsync(request, ct).ConfigureAwait(false); }
            catch { content.Rollback(); throw; }
            using var response = sent;
            int code = (int)response.StatusCode;
            var next = UploadLocation(response);
            if (response.StatusCode == HttpStatusCode.TemporaryRedirect)
            {
                content.Rollback();
                var redirect = response.Headers.Location is { } loc ? (loc.IsAbsoluteUri ? loc : new Uri(target, loc)) : null;
                if (redirect is null) throw new RegistryException($"registry redirected part {part.N} of {_layer.Digest} without a Location");
                result = (next ?? url, redirect);
                return;
            }
            if (code == 401)
            {
                content.Rollback();
                var challenge = RegistryChallenge.Parse(response.Headers.NonValidated.TryGetValues("WWW-Authenticate", out var v) ? string.Join(", ", v) : null);
                _session.Token = await _transport.GetTokenAsync(challenge, target, ct).ConfigureAwait(false);
            }
            if (code >= 400)
            {
                content.Rollback();
                throw new RegistryHttpException(code, $"http status {code} {response.ReasonPhrase}: {await RegistryTransport.ReadErrorBodyAsync(response, ct).ConfigureAwait(false)}");
            }
            result = (next ?? url, null);
        }, part.N, ct).ConfigureAwait(false);
        return result;
    }

    private async Task PutRedirectedAsync(FileStream file, Uri redirect, (int N, long Offset, long Size) part, SemaphoreSlim limit, CancellationTokenSource failed)
    {
        try
        {
            await WithRetriesAsync($"part {part.N}", async () =>
            {
                // A pre-signed URL of another service: no registry token, no Content-Range.
                using var request = new HttpRequestMessage(HttpMethod.Put, redirect);
                request.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
                var content = new PartContent(file, part.Offset, part.Size, this);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                request.Content = content;
                HttpResponseMessage sent;
                try { sent = await _transport.Http.SendAsync(request, failed.Token).ConfigureAwait(false); }
                catch { content.Rollback(); throw; }
                using var response = sent;
                int code = (int)response.StatusCode;
                if (code >= 400)
                {
                    content.Rollback();
                    throw new RegistryHttpException(code, $"http status {code} {response.ReasonPhrase}: {await RegistryTransport.ReadErrorBodyAsync(response, failed.Token).ConfigureAwait(false)}");
                }
            }, part.N, failed.Token).ConfigureAwait(false);
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            limit.Release();
        }
    }

    /// <summary>Upstream's retry loop: up to <see cref="RegistryClientOptions.MaxRetries"/> attempts, sleeping 1, 2, 4… s between them.</summary>
    private async Task WithRetriesAsync(string what, Func<Task> attempt, int? partNumber, CancellationToken ct)
    {
        for (int i = 0; ; i++)
        {
            try
            {
                await attempt().ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && IsRetryable(e))
            {
                if (i + 1 >= _options.MaxRetries) throw new RegistryException($"max retries exceeded: {e.Message}", e);
                var sleep = _options.RetryDelay(i);
                _options.Log?.Invoke(partNumber is { } n
                    ? $"{ShortHex} part {n} attempt {i} failed: {e.Message}, retrying in {sleep}"
                    : $"{ShortHex} {what} attempt {i} failed: {e.Message}, retrying in {sleep}");
                await Task.Delay(sleep, ct).ConfigureAwait(false);
            }
        }
    }

    // Network and registry errors may pass; a refused key or credentials will not.
    private static bool IsRetryable(Exception e) =>
        e is HttpRequestException or IOException or RegistryException && e is not (RegistryUnauthorizedException or RegistryKeyException);

    private static Uri? UploadLocation(HttpResponseMessage response)
    {
        string? raw = response.Headers.NonValidated.TryGetValues("Docker-Upload-Location", out var d) ? d.FirstOrDefault() : null;
        if (string.IsNullOrEmpty(raw)) raw = response.Headers.Location?.OriginalString;
        if (string.IsNullOrEmpty(raw)) return null;
        var baseUri = response.RequestMessage?.RequestUri;
        return Uri.TryCreate(raw, UriKind.Absolute, out var abs) && abs.Scheme is "http" or "https" ? abs
            : baseUri is not null && Uri.TryCreate(baseUri, raw, out var rel) ? rel : null;
    }

    private static async Task<byte[]> PartMd5Async(FileStream file, long offset, long size, CancellationToken ct)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = new byte[(int)Math.Min(size, 1 << 20)];
        for (long done = 0; done < size;)
        {
            int n = await RandomAccess.ReadAsync(file.SafeFileHandle, buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - done)), offset + done, ct).ConfigureAwait(false);
            if (n == 0) throw new IOException($"blob file {file.Name} ended early");
            md5.AppendData(buffer, 0, n);
            done += n;
        }
        return md5.GetHashAndReset();
    }

    /// <summary>A part of the blob file as a request body, counting bytes into the upload's progress (undone on failure).</summary>
    private sealed class PartContent(FileStream file, long offset, long size, BlobUpload owner) : HttpContent
    {
        private long _sent;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            await SerializeToStreamAsync(stream, context, CancellationToken.None).ConfigureAwait(false);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken ct)
        {
            var buffer = new byte[(int)Math.Min(Math.Max(size, 1), 256 * 1024)];
            for (long done = 0; done < size;)
            {
                int n = await RandomAccess.ReadAsync(file.SafeFileHandle, buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - done)), offset + done, ct).ConfigureAwait(false);
                if (n == 0) throw new IOException($"blob file {file.Name} ended early");
                await stream.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                done += n;
                Interlocked.Add(ref _sent, n);
                Interlocked.Add(ref owner._completed, n);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = size;
            return true;
        }

        public void Rollback() => Interlocked.Add(ref owner._completed, -Interlocked.Exchange(ref _sent, 0));
    }
}
