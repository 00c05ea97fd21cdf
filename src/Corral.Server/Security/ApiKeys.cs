using System.Security.Cryptography;
using System.Text;

namespace Corral.Server.Security;

/// <summary>One configured key: its label for logs and metrics (never the secret), whether it may change models, and the secret's hash.</summary>
public sealed class ApiKey
{
    internal ApiKey(string name, bool readOnly, byte[] hash)
    {
        Name = name;
        ReadOnly = readOnly;
        Hash = hash;
    }

    /// <summary>The <c>name:</c> prefix, or <c>key1</c>, <c>key2</c>… by position when the entry has none.</summary>
    public string Name { get; }

    /// <summary>Marked <c>ro:</c>: inference and listing only (see <see cref="RouteAccess"/>).</summary>
    public bool ReadOnly { get; }

    internal byte[] Hash { get; }
}

/// <summary>
/// The keys of <c>CORRAL_API_KEYS</c>: a comma list, or <c>@/path/file</c> with one key per line (blank lines and
/// <c>#</c> comments skipped). Each entry is <c>[ro:][name:]secret</c>. Secrets are kept only as SHA-256 hashes and
/// a presented key is compared with every one of them in constant time, so neither timing nor a memory dump of the
/// set reveals a key.
/// </summary>
public sealed class ApiKeySet
{
    public const string Variable = "CORRAL_API_KEYS";
    private const string ReadOnlyMarker = "ro";

    private readonly ApiKey[] _keys;

    private ApiKeySet(ApiKey[] keys) => _keys = keys;

    public IReadOnlyList<ApiKey> Keys => _keys;

    /// <summary>Parses the variable's value; null when it is empty (keys off).</summary>
    /// <exception cref="OpsConfigurationException">A file that cannot be read, an empty secret, a repeated secret or name.</exception>
    public static ApiKeySet? Parse(string value)
    {
        value = value.Trim();
        if (value.Length == 0) return null;
        IEnumerable<(string Entry, string Where)> entries;
        if (value.StartsWith('@'))
        {
            string path = value[1..].Trim();
            string[] lines;
            try
            {
                lines = File.ReadAllLines(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                throw new OpsConfigurationException($"{Variable}: cannot read the key file '{path}': {e.Message}");
            }
            entries = lines.Select((l, i) => (l.Trim(), $"{path} line {i + 1}")).Where(e => e.Item1.Length > 0 && !e.Item1.StartsWith('#'));
        }
        else
        {
            entries = value.Split(',').Select((e, i) => (e.Trim(), $"entry {i + 1}"));
        }

        var keys = new List<ApiKey>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (entry, where) in entries)
        {
            var (name, readOnly, secret) = SplitEntry(entry);
            if (secret.Length == 0) throw new OpsConfigurationException($"{Variable}: {where} has no key");
            name ??= "key" + (keys.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!names.Add(name)) throw new OpsConfigurationException($"{Variable}: {where}: the name '{name}' is used twice");
            byte[] hash = HashOf(secret);
            if (keys.Any(k => CryptographicOperations.FixedTimeEquals(k.Hash, hash)))
                throw new OpsConfigurationException($"{Variable}: {where} repeats the key of an earlier entry");
            keys.Add(new ApiKey(name, readOnly, hash));
        }
        if (keys.Count == 0) throw new OpsConfigurationException($"{Variable}: '{value}' lists no keys");
        return new ApiKeySet([.. keys]);
    }

    /// <summary><c>[ro:][name:]secret</c>; the secret is everything after the name, so it may itself contain colons.</summary>
    private static (string? Name, bool ReadOnly, string Secret) SplitEntry(string entry)
    {
        bool readOnly = false;
        if (entry.StartsWith(ReadOnlyMarker + ":", StringComparison.Ordinal))
        {
            readOnly = true;
            entry = entry[(ReadOnlyMarker.Length + 1)..];
        }
        int colon = entry.IndexOf(':');
        if (colon < 0) return (null, readOnly, entry.Trim());
        string name = entry[..colon].Trim();
        return (name.Length > 0 ? name : null, readOnly, entry[(colon + 1)..].Trim());
    }

    /// <summary>The configured key equal to <paramref name="presented"/>, or null. Every key is compared, whatever matches.</summary>
    public ApiKey? Find(ReadOnlySpan<char> presented)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        int max = Encoding.UTF8.GetMaxByteCount(presented.Length);
        byte[] utf8 = new byte[max];
        int n = Encoding.UTF8.GetBytes(presented, utf8);
        SHA256.HashData(utf8.AsSpan(0, n), hash);
        ApiKey? match = null;
        foreach (var key in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(key.Hash, hash)) match = key;
        }
        return match;
    }

    private static byte[] HashOf(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}

/// <summary>A <c>CORRAL_*</c> setting that cannot be used; the message names the variable and what is wrong with it.</summary>
public sealed class OpsConfigurationException(string message) : Exception(message);
