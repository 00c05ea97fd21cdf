using System.Collections.Concurrent;
using Corral.Store;

namespace Corral.Server.Registry;

/// <summary>
/// Blob uploads in progress on Corral's own registry routes (only with <c>CORRAL_REGISTRY_PUSH=1</c>). Each upload appends
/// to a temp file in <c>blobs/</c> (a stranded one is pruned like any temp file) and becomes a blob only when its bytes hash
/// to the digest the client commits with.
/// </summary>
internal sealed class RegistryUploads
{
    private readonly ConcurrentDictionary<string, RegistryUpload> _uploads = new(StringComparer.Ordinal);

    public RegistryUpload Start(BlobStore blobs, string repository)
    {
        string id = Guid.NewGuid().ToString("N");
        string path = blobs.NewTempPath();
        File.WriteAllBytes(path, []);
        var upload = new RegistryUpload(id, repository, path);
        _uploads[id] = upload;
        return upload;
    }

    public RegistryUpload? Find(string id, string repository) =>
        _uploads.TryGetValue(id, out var u) && string.Equals(u.Repository, repository, StringComparison.OrdinalIgnoreCase) ? u : null;

    public void End(RegistryUpload upload)
    {
        _uploads.TryRemove(upload.Id, out _);
        try { File.Delete(upload.TempPath); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>One upload session: its id, the repository it belongs to and the temp file its bytes go to.</summary>
internal sealed class RegistryUpload(string id, string repository, string tempPath)
{
    public string Id { get; } = id;
    public string Repository { get; } = repository;
    public string TempPath { get; } = tempPath;

    /// <summary>Serialises writes: chunks of one upload are appended in order.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public long Size => new FileInfo(TempPath).Length;
}
