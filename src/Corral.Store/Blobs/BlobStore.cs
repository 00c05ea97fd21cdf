using System.Buffers;
using System.Security.Cryptography;

namespace Corral.Store;

/// <summary>Outcome of storing content: its digest and size, and whether the blob was new.</summary>
public sealed record BlobWriteResult(string Digest, long Size, bool Created)
{
    /// <summary>The progress status upstream prints for a layer: <c>creating new layer sha256:…</c> / <c>using existing layer sha256:…</c>.</summary>
    public string Status => (Created ? "creating new layer " : "using existing layer ") + Digest;
}

/// <summary>One file in <c>blobs/</c> as pruning sees it.</summary>
public sealed record BlobFileInfo(string FileName, string FullPath, long Size, DateTime LastWriteTimeUtc)
{
    /// <summary>The digest (<c>sha256:…</c>) when the name is a digest file name, else null (temp and partial files).</summary>
    public string? Digest => FileName.Length == 71 && global::Corral.Store.Digest.IsValid(FileName) ? FileName.Replace('-', ':') : null;
}

/// <summary>
/// Content-addressed blobs under <c>&lt;models&gt;/blobs/sha256-&lt;hex&gt;</c> (runtime.md §3.1). Writes go to a temp file in
/// <c>blobs/</c>, are hashed while streaming, flushed to disk and then renamed into place, so a crash or a full disk never
/// leaves a partial blob under a final name. Temp names never match the digest pattern, so startup pruning removes
/// leftovers after the grace period.
/// </summary>
public sealed class BlobStore
{
    private const int BufferSize = 1 << 20;
    private const UnixFileMode BlobMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <param name="modelsRoot">The model store root (<c>$OLLAMA_MODELS</c>); blobs live in its <c>blobs/</c> folder.</param>
    public BlobStore(string modelsRoot)
    {
        Root = Path.GetFullPath(modelsRoot);
        BlobsDirectory = Path.Combine(Root, "blobs");
    }

    public string Root { get; }

    public string BlobsDirectory { get; }

    /// <summary>Test seam: opens the stream a new blob is written through (default: the temp file itself).</summary>
    internal Func<string, Stream>? OpenTempStream { get; set; }

    /// <summary>Path of the blob for <paramref name="digest"/>; throws <see cref="InvalidDigestException"/> for a malformed digest.</summary>
    public string GetPath(string digest) => Path.Combine(BlobsDirectory, Digest.ToFileName(digest));

    public bool Exists(string digest) => File.Exists(GetPath(digest));

    /// <summary>Size of the blob, or null when it is absent.</summary>
    public long? GetSize(string digest)
    {
        var fi = new FileInfo(GetPath(digest));
        return fi.Exists ? fi.Length : null;
    }

    /// <summary>Sets the blob's modification time to now so pruning's one-hour grace period starts again.</summary>
    public void Touch(string digest)
    {
        var path = GetPath(digest);
        var now = DateTime.UtcNow;
        File.SetLastWriteTimeUtc(path, now);
        File.SetLastAccessTimeUtc(path, now);
    }

    /// <summary>Stores a small in-memory layer (template, system prompt, params, config).</summary>
    public BlobWriteResult Write(ReadOnlySpan<byte> data)
    {
        string digest = Digest.Of(data);
        string final = GetPath(digest);
        if (File.Exists(final))
        {
            Touch(digest);
            return new BlobWriteResult(digest, data.Length, Created: false);
        }
        var buffer = data.ToArray();
        return WriteCore(expectedDigest: digest, (stream, hash) =>
        {
            hash.AppendData(buffer);
            stream.Write(buffer);
            return buffer.LongLength;
        });
    }

    /// <summary>
    /// Streams <paramref name="source"/> into the store, hashing as it goes. With <paramref name="expectedDigest"/> the
    /// computed <c>sha256:&lt;lowercase hex&gt;</c> must equal it exactly, else <see cref="DigestMismatchException"/> and
    /// nothing is kept.
    /// </summary>
    public BlobWriteResult Write(Stream source, string? expectedDigest = null)
    {
        if (expectedDigest is not null && !Digest.IsValid(expectedDigest)) throw new InvalidDigestException(expectedDigest);
        return WriteCore(expectedDigest, (stream, hash) =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                long total = 0;
                int n;
                while ((n = source.Read(buffer, 0, BufferSize)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    stream.Write(buffer, 0, n);
                    total += n;
                }
                return total;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
    }

    /// <summary>Asynchronous <see cref="Write(Stream, string?)"/> for request bodies; cancellation removes the temp file.</summary>
    public async Task<BlobWriteResult> WriteAsync(Stream source, string? expectedDigest = null, CancellationToken cancellationToken = default)
    {
        if (expectedDigest is not null && !Digest.IsValid(expectedDigest)) throw new InvalidDigestException(expectedDigest);
        Directory.CreateDirectory(BlobsDirectory);
        string temp = NewTempPath();
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                await using var stream = OpenTemp(temp);
                int n;
                while ((n = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    total += n;
                }
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (stream is FileStream fs) fs.Flush(flushToDisk: true);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            return Commit(temp, Digest.FromHash(hash.GetHashAndReset()), total, expectedDigest);
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            TryDelete(temp);
            throw DiskFull(e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Moves (or copies) an existing file into the store under its digest, e.g. a GGUF a quantizer wrote to
    /// <see cref="NewTempPath"/>. The file is hashed first; a moved file is renamed in place without copying. With
    /// <paramref name="expectedDigest"/>, a file of another digest is refused (<see cref="DigestMismatchException"/>;
    /// a file to be moved is deleted) before anything lands under a blob name.
    /// </summary>
    public BlobWriteResult Import(string path, bool move, string? expectedDigest = null)
    {
        string digest;
        long size;
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan))
        {
            digest = Digest.FromHash(SHA256.HashData(fs));
            size = fs.Length;
        }
        if (expectedDigest is not null && !string.Equals(digest, expectedDigest, StringComparison.Ordinal))
        {
            if (move) TryDelete(path);
            throw new DigestMismatchException(expectedDigest, digest);
        }
        if (!move)
        {
            using var src = File.OpenRead(path);
            return Write(src, digest);
        }
        // Files outside blobs/ are first moved next to the blobs so the final rename is atomic.
        string temp = path;
        if (!string.Equals(Path.GetDirectoryName(Path.GetFullPath(path)), BlobsDirectory, StringComparison.Ordinal))
        {
            temp = NewTempPath();
            File.Move(path, temp);
        }
        return Commit(temp, digest, size, expectedDigest: null);
    }

    /// <summary>A fresh temp file path inside <c>blobs/</c> (same file system as the final blobs, never digest-shaped).</summary>
    public string NewTempPath()
    {
        Directory.CreateDirectory(BlobsDirectory);
        return Path.Combine(BlobsDirectory, "sha256-tmp" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
    }

    /// <summary>Deletes a blob; false when it was not there.</summary>
    public bool Delete(string digest)
    {
        string path = GetPath(digest);
        if (!File.Exists(path)) return false;
        File.Delete(path);
        return true;
    }

    /// <summary>Every file directly in <c>blobs/</c> (none when the folder does not exist).</summary>
    public IReadOnlyList<BlobFileInfo> EnumerateFiles()
    {
        var dir = new DirectoryInfo(BlobsDirectory);
        if (!dir.Exists) return [];
        var list = new List<BlobFileInfo>();
        foreach (var f in dir.EnumerateFiles())
            list.Add(new BlobFileInfo(f.Name, f.FullName, f.Length, f.LastWriteTimeUtc));
        return list;
    }

    /// <summary>
    /// Startup fix-up: renames any <c>sha256:&lt;hex&gt;</c> file below <c>blobs/</c> to <c>sha256-&lt;hex&gt;</c> (names written
    /// by old versions, and invalid on Windows). Returns how many were renamed.
    /// </summary>
    public int FixLegacyNames()
    {
        if (!Directory.Exists(BlobsDirectory)) return 0;
        int renamed = 0;
        foreach (var path in Directory.EnumerateFileSystemEntries(BlobsDirectory, "*", SearchOption.AllDirectories).ToList())
        {
            string name = Path.GetFileName(path);
            int colon = name.IndexOf(':');
            if (colon < 0 || name[..colon] != "sha256") continue;
            string target = Path.Combine(Path.GetDirectoryName(path)!, "sha256-" + name[(colon + 1)..]);
            if (Directory.Exists(path)) Directory.Move(path, target);
            else File.Move(path, target, overwrite: true);
            renamed++;
        }
        return renamed;
    }

    private BlobWriteResult WriteCore(string? expectedDigest, Func<Stream, IncrementalHash, long> copy)
    {
        Directory.CreateDirectory(BlobsDirectory);
        string temp = NewTempPath();
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size;
            using (var stream = OpenTemp(temp))
            {
                size = copy(stream, hash);
                stream.Flush();
                if (stream is FileStream fs) fs.Flush(flushToDisk: true);
            }
            return Commit(temp, Digest.FromHash(hash.GetHashAndReset()), size, expectedDigest);
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            TryDelete(temp);
            throw DiskFull(e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private Stream OpenTemp(string temp) =>
        OpenTempStream?.Invoke(temp)
        ?? new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.SequentialScan);

    // Renames a fully written, flushed temp file to its digest name (replacing is safe: same digest, same bytes).
    private BlobWriteResult Commit(string temp, string digest, long size, string? expectedDigest)
    {
        if (expectedDigest is not null && !string.Equals(digest, expectedDigest, StringComparison.Ordinal))
        {
            TryDelete(temp);
            throw new DigestMismatchException(expectedDigest, digest);
        }
        string final = GetPath(digest);
        bool existed = File.Exists(final);
        if (existed)
        {
            TryDelete(temp);
        }
        else
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, BlobMode);
            File.Move(temp, final, overwrite: true);
        }
        Touch(digest);
        return new BlobWriteResult(digest, size, Created: !existed);
    }

    private DiskFullException DiskFull(IOException e) =>
        new($"not enough disk space to write a blob in {BlobsDirectory}: {e.Message}", e);

    /// <summary>ENOSPC/EDQUOT on Unix, ERROR_DISK_FULL/ERROR_HANDLE_DISK_FULL on Windows.</summary>
    internal static bool IsDiskFull(IOException e)
    {
        int code = e.HResult & 0xFFFF;
        return OperatingSystem.IsWindows() ? code is 0x70 or 0x27 : e.HResult is 28 or 122;
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
