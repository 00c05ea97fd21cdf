using System.Security.Cryptography;
using System.Text;
using Corral.Store;
using Corral.Store.Registry;
using Corral.Testing;

namespace Corral.Server.Tests.Registry;

/// <summary>A model as a registry holds it: blobs (a random "GGUF" body, a template, a config) and manifest bytes.</summary>
internal sealed record TestModel(byte[] ManifestBytes, IReadOnlyList<TestBlob> Layers, TestBlob Config)
{
    public IEnumerable<TestBlob> AllBlobs => Layers.Append(Config);

    public TestBlob ModelLayer => Layers[0];

    /// <summary>Lowercase hex SHA-256 of the manifest: the model's ID.</summary>
    public string ManifestDigest => Convert.ToHexStringLower(SHA256.HashData(ManifestBytes));

    /// <summary>
    /// A model whose weights are <paramref name="modelSize"/> random bytes from <paramref name="seed"/>. The manifest is
    /// indented (unlike Corral's own), so storing it byte for byte is observable.
    /// </summary>
    public static TestModel Create(int seed, int modelSize = 100_000, string template = "{{ .Prompt }}", string? from = null, byte[]? modelBytes = null)
    {
        var weights = modelBytes ?? new byte[modelSize];
        if (modelBytes is null) new Random(seed).NextBytes(weights);
        var model = new TestBlob(MediaTypes.Model, weights, from);
        var tmpl = new TestBlob(MediaTypes.Template, Encoding.UTF8.GetBytes(template));
        var config = new TestBlob(MediaTypes.Config, Encoding.UTF8.GetBytes($"{{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"seed\":{seed}}}"));
        var sb = new StringBuilder();
        sb.Append("{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"").Append(MediaTypes.Manifest).Append("\",\n   \"config\": ").Append(config.Json())
          .Append(",\n   \"layers\": [\n      ").Append(string.Join(",\n      ", new[] { model, tmpl }.Select(b => b.Json()))).Append("\n   ]\n}");
        return new TestModel(Encoding.UTF8.GetBytes(sb.ToString()), [model, tmpl], config);
    }

    public void Publish(TestRegistry registry, string repository, string tag)
    {
        foreach (var b in AllBlobs) registry.AddBlob(repository, b.Data);
        registry.SetManifest(repository, tag, ManifestBytes);
    }

    /// <summary>Puts the model straight into a store (no create needed).</summary>
    public void Seed(ModelStore store, ModelName name)
    {
        foreach (var b in AllBlobs) store.Blobs.Write(b.Data);
        store.WriteManifestBytes(name, ManifestBytes);
    }
}

internal sealed record TestBlob(string MediaType, byte[] Data, string? From = null)
{
    public string Digest { get; } = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Data));

    public string Short => Digest[7..19];

    public string Json() =>
        $"{{\"mediaType\":\"{MediaType}\",\"digest\":\"{Digest}\",\"size\":{Data.Length}{(From is null ? "" : $",\"from\":\"{From}\"")}}}";
}

/// <summary>A <see cref="RegistryClient"/> over a temp store with small parts and short delays, recording progress and log lines.</summary>
internal sealed class ClientFixture : IDisposable
{
    private readonly TempDir _dir;
    private readonly bool _ownsDir;

    public ClientFixture(RegistryKey? key = null, Func<RegistryClientOptions, RegistryClientOptions>? tweak = null, bool noPrune = false, TempDir? dir = null)
    {
        _dir = dir ?? new TempDir("corral-registry-");
        _ownsDir = dir is null;
        Key = key ?? RegistryKey.Generate();
        Store = new ModelStore(Path.Combine(_dir.Path, "models"), new ModelStoreOptions { NoPrune = noPrune });
        var options = Fast(Key) with { Log = m => { lock (Log) Log.Add(m); } };
        if (tweak is not null) options = tweak(options);
        Client = new RegistryClient(Store, options);
    }

    public static RegistryClientOptions Fast(RegistryKey key) => new()
    {
        KeyProvider = () => key,
        UserAgent = RegistryClientOptions.UserAgentFor("0.33.0", "test"),
        PartCount = 16,
        MinPartSize = 16 * 1024,
        MaxPartSize = 1 << 20,
        RetryDelay = _ => TimeSpan.FromMilliseconds(10),
        StallTimeout = TimeSpan.FromSeconds(2),
        DirectUrlTimeout = TimeSpan.FromSeconds(5),
        ProgressInterval = TimeSpan.FromMilliseconds(20),
        PartStateInterval = TimeSpan.FromMilliseconds(10),
    };

    public string Directory => _dir.Path;
    public RegistryKey Key { get; }
    public ModelStore Store { get; }
    public RegistryClient Client { get; }
    public List<RegistryProgress> Progress { get; } = [];
    public List<string> Log { get; } = [];

    public Action<RegistryProgress> Record => p => { lock (Progress) Progress.Add(p); };

    public List<string> Statuses
    {
        get { lock (Progress) return Progress.Select(p => p.Status).ToList(); }
    }

    /// <summary>Statuses with consecutive repeats collapsed (progress ticks vary in number).</summary>
    public List<string> DistinctStatuses
    {
        get
        {
            var list = new List<string>();
            foreach (var s in Statuses) if (list.Count == 0 || list[^1] != s) list.Add(s);
            return list;
        }
    }

    public string[] BlobsDirectoryFiles() =>
        System.IO.Directory.Exists(Store.Blobs.BlobsDirectory) ? System.IO.Directory.GetFiles(Store.Blobs.BlobsDirectory).Select(p => Path.GetFileName(p)).ToArray() : [];

    /// <summary>Disposes the client; the folder goes too unless the test passed it in (to "restart" on the same store).</summary>
    public void Dispose()
    {
        Client.Dispose();
        if (_ownsDir) _dir.Dispose();
    }
}
