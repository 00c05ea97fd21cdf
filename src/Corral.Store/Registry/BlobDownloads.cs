namespace Corral.Store.Registry;

/// <summary>
/// The downloads in flight, keyed by blob path: concurrent pulls of one digest share a single <see cref="BlobDownload"/>
/// and each reports its progress; the download is cancelled only when every pull waiting for it has gone.
/// </summary>
internal sealed class BlobDownloads(RegistryClientOptions options, RegistryTransport transport)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, BlobDownload> _active = new(StringComparer.Ordinal);

    /// <summary>Number of downloads running now (tests).</summary>
    public int ActiveCount
    {
        get { lock (_lock) return _active.Count; }
    }

    /// <summary>
    /// Makes sure the blob is in <paramref name="blobs"/>. Returns true for a cache hit (the blob was already there: one
    /// progress report with completed = total, no verification), false after a verified download.
    /// </summary>
    public async Task<bool> EnsureAsync(BlobStore blobs, RegistrySession session, ModelName name, string digest,
        Action<RegistryProgress> progress, CancellationToken ct)
    {
        string path = blobs.GetPath(digest);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var existing = new FileInfo(path);
            if (existing.Exists)
            {
                progress(RegistryProgress.Pulling(digest, existing.Length, existing.Length));
                return true;
            }

            BlobDownload download;
            bool started = false, joined = false;
            lock (_lock)
            {
                if (!_active.TryGetValue(path, out download!))
                {
                    Directory.CreateDirectory(blobs.BlobsDirectory);
                    download = new BlobDownload(options, transport, digest, path);
                    _active[path] = download;
                    started = true;
                }
                if (!download.Abandoned)
                {
                    download.Acquire();
                    joined = true;
                }
            }
            if (!joined)
            {
                // The previous pull of this blob was cancelled and is still saving its state; start over once it has.
                try { await download.Completion.WaitAsync(ct).ConfigureAwait(false); }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested) { }
                continue;
            }
            if (started)
                _ = Task.Run(() => download.RunAsync(session, RegistryUrls.Blob(name, digest, session.Insecure), Forget), CancellationToken.None);

            try
            {
                await WaitAsync(download, progress, ct).ConfigureAwait(false);
                return false;
            }
            finally
            {
                lock (_lock) download.Release();
            }
        }
    }

    private void Forget(BlobDownload download)
    {
        lock (_lock)
        {
            if (_active.TryGetValue(download.BlobPath, out var d) && ReferenceEquals(d, download)) _active.Remove(download.BlobPath);
        }
    }

    private async Task WaitAsync(BlobDownload download, Action<RegistryProgress> progress, CancellationToken ct)
    {
        while (!download.Completion.IsCompleted)
        {
            var tick = Task.Delay(options.ProgressInterval, ct);
            await Task.WhenAny(download.Completion, tick).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            if (!download.Completion.IsCompleted && download.Prepared)
                progress(RegistryProgress.Pulling(download.Digest, download.Total, download.Completed));
        }
        await download.Completion.ConfigureAwait(false);
        progress(RegistryProgress.Pulling(download.Digest, download.Total, download.Total));
    }
}
