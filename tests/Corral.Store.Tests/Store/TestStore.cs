using System.Text;
using Corral.Testing;

namespace Corral.Store.Tests.Store;

/// <summary>A model store in a temp folder with helpers to add models from bytes and shared GGUF files.</summary>
internal sealed class TestStore : IDisposable
{
    private readonly TempDir _dir = new("corral-store-");

    public TestStore(ModelStoreOptions? options = null)
    {
        Logs = [];
        var o = options ?? new ModelStoreOptions();
        Store = new ModelStore(Path.Combine(_dir.Path, "models"), o with { Log = m => { lock (Logs) Logs.Add(m); o.Log?.Invoke(m); } });
    }

    public ModelStore Store { get; }

    public List<string> Logs { get; }

    public string Root => Store.Root;

    public string TempFile(string name) => _dir.File(name);

    public ManifestLayer Layer(string mediaType, string text, string? from = null) => Layer(mediaType, Encoding.UTF8.GetBytes(text), from);

    public ManifestLayer Layer(string mediaType, byte[] bytes, string? from = null)
    {
        var r = Store.Blobs.Write(bytes);
        return new ManifestLayer(mediaType, r.Digest, r.Size, from);
    }

    public ManifestLayer SharedGguf(string fileName, string mediaType = MediaTypes.Model, string? from = null)
    {
        using var fs = File.OpenRead(RepoPaths.SharedFile("models", fileName));
        var r = Store.Blobs.Write(fs);
        return new ManifestLayer(mediaType, r.Digest, r.Size, from);
    }

    public ManifestLayer ConfigLayer(ModelConfig config)
    {
        var r = Store.Blobs.Write(config.ToJsonBytes());
        return new ManifestLayer(MediaTypes.Config, r.Digest, r.Size);
    }

    public ManifestEntry AddModel(string name, ModelConfig? config, params ManifestLayer[] layers) =>
        Store.WriteManifest(ModelName.Parse(name), Manifest.Create(ConfigLayer(config ?? ModelConfig.NewLocal()), layers));

    public void SetModified(string name, DateTime utc) => File.SetLastWriteTimeUtc(Store.GetManifestPath(ModelName.Parse(name)), utc);

    public void AgeAllBlobs(TimeSpan by)
    {
        foreach (var f in Directory.GetFiles(Store.Blobs.BlobsDirectory)) File.SetLastWriteTimeUtc(f, DateTime.UtcNow - by);
    }

    public void Dispose() => _dir.Dispose();
}
