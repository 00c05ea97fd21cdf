using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace Corral.Store.Registry;

/// <summary>
/// The ed25519 identity Ollama signs registry requests with (runtime.md §1.7, §4.2.2): stored as an unencrypted OpenSSH
/// private key (<c>-----BEGIN OPENSSH PRIVATE KEY-----</c>) with the public half as an authorized-keys line
/// <c>ssh-ed25519 AAAA…</c>. Keys written by <c>ssh-keygen -t ed25519</c> load too.
/// </summary>
public sealed class RegistryKey
{
    public const string KeyType = "ssh-ed25519";
    private const string PemType = "OPENSSH PRIVATE KEY";
    private static readonly byte[] s_magic = "openssh-key-v1\0"u8.ToArray();

    private readonly byte[] _seed;
    private readonly Ed25519PrivateKeyParameters _private;

    private RegistryKey(byte[] seed, string comment = "")
    {
        _seed = seed;
        _private = new Ed25519PrivateKeyParameters(seed);
        PublicKey = _private.GeneratePublicKey().GetEncoded();
        Comment = comment;
        PublicKeyBlob = PublicKeyBlobOf(PublicKey);
    }

    /// <summary>The raw 32-byte ed25519 public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The comment stored with the key (empty for keys Ollama generates).</summary>
    public string Comment { get; }

    /// <summary>The SSH wire-format public key (<c>string "ssh-ed25519", string key</c>).</summary>
    public byte[] PublicKeyBlob { get; }

    /// <summary>Standard base64 of <see cref="PublicKeyBlob"/>: the <c>&lt;pub&gt;</c> part of a signature header.</summary>
    public string PublicKeyBase64 => Convert.ToBase64String(PublicKeyBlob);

    /// <summary>The authorized-keys line <c>ssh-ed25519 AAAA…</c> (no comment, no newline), as <c>ollama</c> prints it.</summary>
    public string PublicKeyLine => KeyType + " " + PublicKeyBase64;

    /// <summary>A fresh random key.</summary>
    public static RegistryKey Generate() => new(RandomNumberGenerator.GetBytes(Ed25519.SecretKeySize));

    /// <summary>A key from its 32-byte seed (RFC 8032 private key).</summary>
    public static RegistryKey FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != Ed25519.SecretKeySize) throw new ArgumentException("an ed25519 seed is 32 bytes", nameof(seed));
        return new RegistryKey(seed.ToArray());
    }

    /// <summary>Reads an OpenSSH private key file; throws <see cref="RegistryKeyException"/> naming the file and the problem.</summary>
    public static RegistryKey Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RegistryKeyException($"Failed to load private key: {e.Message}", e);
        }
        try
        {
            return ParseOpenSsh(text);
        }
        catch (FormatException e)
        {
            throw new RegistryKeyException($"invalid private key {path}: {e.Message}", e);
        }
    }

    /// <summary>Parses the PEM text of an unencrypted OpenSSH ed25519 private key; throws <see cref="FormatException"/>.</summary>
    public static RegistryKey ParseOpenSsh(string pem)
    {
        var der = PemBody(pem);
        var r = new SshWireReader(der);
        if (r.Remaining < s_magic.Length || !r.Raw(s_magic.Length, "magic").SequenceEqual(s_magic))
            throw new FormatException("not an OpenSSH private key (bad magic)");
        string cipher = r.Text("cipher name");
        string kdf = r.Text("kdf name");
        r.String("kdf options");
        if (cipher != "none" || kdf != "none")
            throw new FormatException($"the key is encrypted ({cipher}/{kdf}); Corral needs an unencrypted key");
        uint count = r.UInt32("key count");
        if (count != 1) throw new FormatException($"expected one key, found {count}");
        r.String("public key");
        var priv = new SshWireReader(r.String("private section"));
        if (priv.UInt32("check value") != priv.UInt32("check value"))
            throw new FormatException("check values differ (corrupt or encrypted key)");
        string type = priv.Text("key type");
        if (type != KeyType) throw new FormatException($"unsupported key type {GoFormat.Quote(type)}; an ed25519 key is required");
        var pub = priv.String("ed25519 public key");
        var secret = priv.String("ed25519 private key");
        string comment = priv.Text("comment");
        if (pub.Length != Ed25519.PublicKeySize || secret.Length != Ed25519.SecretKeySize + Ed25519.PublicKeySize)
            throw new FormatException("ed25519 key has the wrong length");
        var key = new RegistryKey(secret[..Ed25519.SecretKeySize].ToArray(), comment);
        if (!key.PublicKey.AsSpan().SequenceEqual(pub) || !secret[Ed25519.SecretKeySize..].SequenceEqual(pub))
            throw new FormatException("the public key does not belong to the private key");
        return key;
    }

    /// <summary>
    /// The key as an OpenSSH private key PEM (what Go's <c>ssh.MarshalPrivateKey</c> writes: no encryption, this key's
    /// comment, random check values, padding 1,2,3… to 8 bytes, base64 in 64-character lines).
    /// </summary>
    public string ToOpenSshPem()
    {
        uint check = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));
        var secret = new byte[64];
        _seed.CopyTo(secret, 0);
        PublicKey.CopyTo(secret, 32);
        var priv = new SshWireWriter()
            .UInt32(check).UInt32(check)
            .String(KeyType).String(PublicKey).String(secret).String(Comment);
        for (byte pad = 1; priv.Length % 8 != 0; pad++) priv.Raw([pad]);
        var body = new SshWireWriter()
            .Raw(s_magic)
            .String("none").String("none").String(ReadOnlySpan<byte>.Empty)
            .UInt32(1)
            .String(PublicKeyBlob)
            .String(priv.ToArray())
            .ToArray();
        CryptographicOperations.ZeroMemory(secret);

        var sb = new StringBuilder();
        sb.Append("-----BEGIN ").Append(PemType).Append("-----\n");
        string b64 = Convert.ToBase64String(body);
        for (int i = 0; i < b64.Length; i += 64) sb.Append(b64, i, Math.Min(64, b64.Length - i)).Append('\n');
        sb.Append("-----END ").Append(PemType).Append("-----\n");
        return sb.ToString();
    }

    /// <summary>The raw 64-byte ed25519 signature of <paramref name="data"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        var sig = new byte[Ed25519.SignatureSize];
        var msg = data.ToArray();
        _private.Sign(Ed25519.Algorithm.Ed25519, null, msg, 0, msg.Length, sig, 0);
        return sig;
    }

    /// <summary>The registry signature header value <c>&lt;pub&gt;:&lt;sig&gt;</c> (both standard base64) over <paramref name="data"/>.</summary>
    public string SignAuthorization(ReadOnlySpan<byte> data) => PublicKeyBase64 + ":" + Convert.ToBase64String(Sign(data));

    /// <summary>The SSH wire-format blob of a raw ed25519 public key.</summary>
    public static byte[] PublicKeyBlobOf(ReadOnlySpan<byte> publicKey) => new SshWireWriter().String(KeyType).String(publicKey).ToArray();

    /// <summary>
    /// Checks a <c>&lt;pub&gt;:&lt;sig&gt;</c> signature header over <paramref name="data"/> (what a registry's token endpoint does).
    /// Returns the signer's authorized-keys line, or null when the header is malformed or the signature does not verify.
    /// </summary>
    public static string? VerifyAuthorization(string? header, ReadOnlySpan<byte> data)
    {
        if (string.IsNullOrEmpty(header)) return null;
        int colon = header.IndexOf(':');
        if (colon <= 0) return null;
        try
        {
            var blob = Convert.FromBase64String(header[..colon]);
            var sig = Convert.FromBase64String(header[(colon + 1)..]);
            var r = new SshWireReader(blob);
            if (r.Text("key type") != KeyType) return null;
            var pub = r.String("ed25519 public key").ToArray();
            if (pub.Length != Ed25519.PublicKeySize || sig.Length != Ed25519.SignatureSize || r.Remaining != 0) return null;
            var msg = data.ToArray();
            bool ok = new Ed25519PublicKeyParameters(pub).Verify(Ed25519.Algorithm.Ed25519, null, msg, 0, msg.Length, sig, 0);
            return ok ? KeyType + " " + Convert.ToBase64String(blob) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static byte[] PemBody(string pem)
    {
        const string begin = "-----BEGIN " + PemType + "-----", end = "-----END " + PemType + "-----";
        int b = pem.IndexOf(begin, StringComparison.Ordinal);
        int e = pem.IndexOf(end, StringComparison.Ordinal);
        if (b < 0 || e < b) throw new FormatException($"no \"{PemType}\" PEM block found");
        string body = pem[(b + begin.Length)..e];
        try { return Convert.FromBase64String(string.Concat(body.Where(c => !char.IsWhiteSpace(c)))); }
        catch (FormatException) { throw new FormatException("the PEM body is not valid base64"); }
    }
}
