using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Corral.Store.Registry;

/// <summary>
/// One blob being downloaded (runtime.md §4.4), shared by every pull that needs the same digest. It finds the blob's size
/// (or resumes from <c>-partial-N</c> state files), resolves the direct (CDN) URL, fetches the parts in parallel ranged
/// requests into <c>&lt;blob&gt;-partial</c>, and only after the whole file hashes to the digest renames it to the final blob
/// name — a corrupt download never becomes visible. It runs on its own and is cancelled only when no pull waits for it.
/// </summary>
internal sealed class BlobDownload
{
    private const int BufferSize = 256 * 1024;

    private readonly RegistryClientOptions _options;
    private readonly RegistryTransport _transport;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _cancel = new();
    private List<BlobDownloadPart> _parts = [];
    private long _total;
    private long _completed;
    private int _waiters;

    public BlobDownload(RegistryClientOptions options, RegistryTransport transport, string digest, string blobPath)
    {
        _options = options;
        _transport = transport;
        Digest = digest;
        BlobPath = blobPath;
    }

    public string Digest { get; }

    /// <summary>The final blob path; the data file is <c>&lt;path&gt;-partial</c>, part states <c>&lt;path&gt;-partial-N</c>.</summary>
    public string BlobPath { get; }

    public string PartialPath => BlobPath + "-partial";

    public long Total => Interlocked.Read(ref _total);

    public long Completed => Interlocked.Read(ref _completed);

    public Task Completion => _done.Task;

    /// <summary>The size is known (from the registry or resumed part files); progress is reported only from then on.</summary>
    public bool Prepared => Volatile.Read(ref _prepared);
    private bool _prepared;

    /// <summary>Every waiter left and the run was cancelled; a new pull must wait for it to wind down and start afresh.</summary>
    public bool Abandoned { get; private set; }

    private string ShortHex => RegistryProgress.ShortHex(Digest);

    // Acquire/Release are called under the owner's lock.
    public void Acquire() => _waiters++;

    public void Release()
    {
        if (--_waiters == 0 && !_done.Task.IsCompleted)
        {
            Abandoned = true;
            _cancel.Cancel();
        }
    }

    /// <summary>Runs the download to the end; <paramref name="finished"/> is called (to forget it) before waiters see the result.</summary>
    public async Task RunAsync(RegistrySession session, Uri blobUrl, Action<BlobDownload> finished)
    {
        Exception? error = null;
        try
        {
            var ct = _cancel.Token;
            await PrepareAsync(session, blobUrl, ct).ConfigureAwait(false);
            Volatile.Write(ref _prepared, true);
            await TransferAsync(session, blobUrl, ct).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            error = e;
        }
        finished(this);
        if (error is null) _done.SetResult();
        else _done.SetException(error);
    }

    // ------------------------------------------------------------------ prepare

    private async Task PrepareAsync(RegistrySession session, Uri blobUrl, CancellationToken ct)
    {
        if (TryResume()) return;

        using (var head = await _transport.SendAsync(session, HttpMethod.Head, blobUrl, ct).ConfigureAwait(false))
        {
            long total = head.Content.Headers.ContentLength
                ?? throw new RegistryException($"registry did not send the size (Content-Length) of blob {Digest}");
            Interlocked.Exchange(ref _total, total);
        }
        long size = _options.PartSizeFor(Total);
        var parts = new List<BlobDownloadPart>();
        for (long offset = 0; offset < Total; offset += size)
        {
            var part = new BlobDownloadPart(parts.Count, offset, Math.Min(size, Total - offset), 0);
            part.Save(BlobPath);
            parts.Add(part);
        }
        _parts = parts;
        Interlocked.Exchange(ref _completed, 0);
        TryDelete(PartialPath); // stale data without states is useless
        LogParts();
    }

    /// <summary>Adopts existing part states when they describe the whole blob consistently and the data file has the right size;
    /// otherwise removes them so the download starts over.</summary>
    private bool TryResume()
    {
        var files = BlobDownloadPart.FindStateFiles(BlobPath);
        if (files.Count == 0) return false;
        var parts = files.Select(BlobDownloadPart.Load).ToList();
        bool usable = parts.All(p => p is not null);
        if (usable)
        {
            parts.Sort((a, b) => a!.N.CompareTo(b!.N));
            long expectedOffset = 0;
            for (int i = 0; i < parts.Count && usable; i++)
            {
                usable = parts[i]!.N == i && parts[i]!.Offset == expectedOffset;
                expectedOffset += parts[i]!.Size;
            }
            var data = new FileInfo(PartialPath);
            usable = usable && data.Exists && data.Length == expectedOffset;
        }
        if (!usable)
        {
            _options.Log?.Invoke($"discarding unusable partial download of {ShortHex}; starting over");
            DeletePartialFiles();
            return false;
        }
        _parts = parts!;
        Interlocked.Exchange(ref _total, _parts.Sum(p => p.Size));
        Interlocked.Exchange(ref _completed, _parts.Sum(p => p.Completed));
        LogParts();
        return true;
    }

    private void LogParts()
    {
        if (_parts.Count > 0)
            _options.Log?.Invoke($"downloading {ShortHex} in {_parts.Count} {HumanFormat.Bytes(_parts[0].Size)} part(s)");
    }

    // ------------------------------------------------------------------ transfer

    private async Task TransferAsync(RegistrySession session, Uri blobUrl, CancellationToken ct)
    {
        await using (var file = new FileStream(PartialPath, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.ReadWrite | FileShare.Delete,
            Options = FileOptions.Asynchronous | FileOptions.RandomAccess,
            BufferSize = 0,
        }))
        {
            if (file.Length != Total) file.SetLength(Total);
            var pending = _parts.Where(p => !p.IsComplete).ToList();
            if (pending.Count > 0)
            {
                var direct = await ResolveDirectUrlAsync(session, blobUrl, ct).ConfigureAwait(false);
                var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.MaxParallelParts), CancellationToken = ct };
                await Parallel.ForEachAsync(pending, parallel,
                    (part, pct) => new ValueTask(DownloadPartAsync(session, part, direct, file.SafeFileHandle, pct))).ConfigureAwait(false);
            }
            file.Flush(flushToDisk: true);
        }
        await VerifyAndCommitAsync(ct).ConfigureAwait(false);
    }

    private async Task VerifyAndCommitAsync(CancellationToken ct)
    {
        string actual;
        await using (var read = new FileStream(PartialPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous))
            actual = Store.Digest.FromHash(await SHA256.HashDataAsync(read, ct).ConfigureAwait(false));
        if (!string.Equals(actual, Digest, StringComparison.Ordinal))
        {
            DeletePartialFiles();
            throw new BlobDigestMismatchException(Digest, actual);
        }
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(PartialPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.Move(PartialPath, BlobPath, overwrite: true);
        foreach (var f in BlobDownloadPart.FindStateFiles(BlobPath)) TryDelete(f);
        File.SetLastWriteTimeUtc(BlobPath, DateTime.UtcNow);
    }

    /// <summary>Where the bytes come from, and whether that host may see the registry token.</summary>
    private readonly record struct DirectTarget(Uri Url, bool SendToken);

    /// <summary>
    /// <c>GET</c>s the blob on the registry, following redirects while the host stays the same; a redirect to another host
    /// is the direct URL, and a 200 serves the bytes itself (its <c>Location</c> if it sent one, else the URL answered).
    /// 5xx answers and network errors are retried with <c>min(n²·10ms, 10s)</c> × 0.5–1.5 backoff within
    /// <see cref="RegistryClientOptions.DirectUrlTimeout"/>.
    /// </summary>
    private async Task<DirectTarget> ResolveDirectUrlAsync(RegistrySession session, Uri blobUrl, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + _options.DirectUrlTimeout;
        var registry = RegistryTransport.Effective(session, blobUrl);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                using var response = await _transport.SendAsync(session, HttpMethod.Get, blobUrl, ct,
                    redirects: RedirectPolicy.SameHostOnly, completion: HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
                var answered = response.RequestMessage?.RequestUri ?? registry;
                Uri? location = response.Headers.Location is { } loc ? (loc.IsAbsoluteUri ? loc : new Uri(answered, loc)) : null;
                if (RegistryTransport.IsRedirect(response.StatusCode) && location is not null) return Target(location);
                if (response.StatusCode == HttpStatusCode.OK) return Target(location ?? answered);
                throw new RegistryException($"unexpected status code {(int)response.StatusCode}");
            }
            catch (Exception e) when (IsTransientDirectUrlError(e, ct) && DateTime.UtcNow < deadline)
            {
                _options.Log?.Invoke($"failed to get direct URL; backing off and retrying err={e.Message}");
                var delay = Backoff(attempt);
                var left = deadline - DateTime.UtcNow;
                await Task.Delay(delay < left ? delay : left > TimeSpan.Zero ? left : TimeSpan.Zero, ct).ConfigureAwait(false);
            }
        }

        DirectTarget Target(Uri url) => new(url, string.Equals(url.Authority, registry.Authority, StringComparison.OrdinalIgnoreCase));
    }

    private static bool IsTransientDirectUrlError(Exception e, CancellationToken ct) => e switch
    {
        RegistryHttpException h => h.IsTransient,
        HttpRequestException or IOException => true,
        OperationCanceledException => !ct.IsCancellationRequested,
        _ => false,
    };

    private TimeSpan Backoff(int n)
    {
        double ms = Math.Min(n * n * 10.0, _options.MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms * (Random.Shared.NextDouble() + 0.5));
    }

    /// <summary>
    /// Fetches one part until it is complete. An attempt that fails after receiving bytes keeps them and the next attempt
    /// asks for the rest; a stalled attempt restarts without counting; other failures count, with upstream's sleeps between
    /// them, up to <see cref="RegistryClientOptions.MaxRetries"/> failures in a row without progress.
    /// </summary>
    private async Task DownloadPartAsync(RegistrySession session, BlobDownloadPart part, DirectTarget direct, SafeFileHandle file, CancellationToken ct)
    {
        int failures = 0;
        while (!part.IsComplete)
        {
            long before = part.Completed;
            try
            {
                await DownloadRangeAsync(session, part, direct, file, ct).ConfigureAwait(false);
            }
            catch (PartStalledException)
            {
                SaveQuietly(part);
                _options.Log?.Invoke($"{ShortHex} part {part.N} stalled; retrying. If this persists, press ctrl-c to exit, then 'ollama pull' to find a faster connection.");
                continue;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                SaveQuietly(part);
                throw;
            }
            catch (IOException e) when (BlobStore.IsDiskFull(e))
            {
                SaveQuietly(part);
                throw new DiskFullException($"not enough disk space to download blob {Digest} to {PartialPath}: {e.Message}", e);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or RegistryException or OperationCanceledException)
            {
                SaveQuietly(part);
                if (part.Completed > before) failures = 0; // the connection dropped mid-part: resume from here afresh
                if (++failures >= _options.MaxRetries)
                    throw new RegistryException($"max retries exceeded: {e.Message}", e);
                var sleep = _options.RetryDelay(failures - 1);
                _options.Log?.Invoke($"{ShortHex} part {part.N} attempt {failures - 1} failed: {e.Message}, retrying in {sleep}");
                await Task.Delay(sleep, ct).ConfigureAwait(false);
                continue;
            }
            SaveQuietly(part);
        }
    }

    private sealed class PartStalledException() : Exception("part stalled");

    /// <summary>One ranged <c>GET</c> of the part's missing bytes, written at their offsets as they arrive.</summary>
    private async Task DownloadRangeAsync(RegistrySession session, BlobDownloadPart part, DirectTarget direct, SafeFileHandle file, CancellationToken ct)
    {
        long start = part.StartsAt, end = part.StopsAt - 1;
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        long lastActivity = Environment.TickCount64;
        bool stalled = false;
        long stallMs = Math.Max(1, (long)_options.StallTimeout.TotalMilliseconds);
        long checkMs = Math.Clamp(stallMs / 2, 1, 1000);
        await using var watchdog = new Timer(_ =>
        {
            if (Environment.TickCount64 - Interlocked.Read(ref lastActivity) > stallMs)
            {
                Volatile.Write(ref stalled, true);
                attempt.Cancel();
            }
        }, null, checkMs, checkMs);

        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, direct.Url);
            request.Headers.Range = new RangeHeaderValue(start, end);
            request.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
            if (direct.SendToken && session.Token is { } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await _transport.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token).ConfigureAwait(false);

            long skip = 0;
            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                if (response.Content.Headers.ContentRange is { From: { } from } && from != start)
                    throw new RegistryException($"asked for bytes {start}-{end} of {Digest} but got a range starting at {from}");
            }
            else if (response.StatusCode == HttpStatusCode.OK)
            {
                skip = start; // the server ignored Range and sends the whole blob
            }
            else
            {
                int code = (int)response.StatusCode;
                throw new RegistryHttpException(code, $"{code}: {await RegistryTransport.ReadErrorBodyAsync(response, attempt.Token).ConfigureAwait(false)}");
            }

            await using var body = await response.Content.ReadAsStreamAsync(attempt.Token).ConfigureAwait(false);
            long offset = start, remaining = end - start + 1;
            long nextSave = Environment.TickCount64 + (long)_options.PartStateInterval.TotalMilliseconds;
            while (remaining > 0)
            {
                int want = (int)Math.Min(buffer.Length, skip > 0 ? skip : remaining);
                int n = await body.ReadAsync(buffer.AsMemory(0, want), attempt.Token).ConfigureAwait(false);
                if (n == 0) throw new IOException($"unexpected EOF after {offset - part.Offset} of {part.Size} bytes of part {part.N}");
                Interlocked.Exchange(ref lastActivity, Environment.TickCount64);
                if (skip > 0)
                {
                    skip -= n;
                    continue;
                }
                await RandomAccess.WriteAsync(file, buffer.AsMemory(0, n), offset, attempt.Token).ConfigureAwait(false);
                offset += n;
                remaining -= n;
                part.Advance(n);
                Interlocked.Add(ref _completed, n);
                if (Environment.TickCount64 >= nextSave)
                {
                    SaveQuietly(part);
                    nextSave = Environment.TickCount64 + (long)_options.PartStateInterval.TotalMilliseconds;
                }
            }
        }
        catch (Exception e) when (Volatile.Read(ref stalled) && !ct.IsCancellationRequested && e is OperationCanceledException or IOException or HttpRequestException)
        {
            throw new PartStalledException();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void SaveQuietly(BlobDownloadPart part)
    {
        try { part.Save(BlobPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _options.Log?.Invoke($"couldn't record progress of {ShortHex} part {part.N}: {e.Message}");
        }
    }

    private void DeletePartialFiles()
    {
        TryDelete(PartialPath);
        foreach (var f in BlobDownloadPart.FindStateFiles(BlobPath)) TryDelete(f);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
