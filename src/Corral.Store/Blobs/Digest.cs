using System.Security.Cryptography;

namespace Corral.Store;

/// <summary>Content digests as Ollama spells them: <c>sha256:&lt;64 hex&gt;</c> on the wire, <c>sha256-&lt;hex&gt;</c> on disk.</summary>
public static class Digest
{
    public const string Prefix = "sha256:";

    /// <summary>Whether <paramref name="digest"/> matches <c>^sha256[:-][0-9a-fA-F]{64}$</c>.</summary>
    public static bool IsValid(string? digest)
    {
        if (digest is null || digest.Length != 71) return false;
        if (!digest.StartsWith("sha256", StringComparison.Ordinal) || digest[6] is not (':' or '-')) return false;
        for (int i = 7; i < 71; i++)
            if (!char.IsAsciiHexDigit(digest[i])) return false;
        return true;
    }

    /// <summary>The blob file name: the digest with <c>:</c> replaced by <c>-</c> (case kept, as upstream does).</summary>
    public static string ToFileName(string digest)
    {
        if (!IsValid(digest)) throw new InvalidDigestException(digest);
        return digest.Replace(':', '-');
    }

    /// <summary><c>sha256:</c> plus the lowercase hex of a SHA-256 hash.</summary>
    public static string FromHash(ReadOnlySpan<byte> sha256) => Prefix + Convert.ToHexStringLower(sha256);

    /// <summary>The digest of a byte buffer.</summary>
    public static string Of(ReadOnlySpan<byte> data) => FromHash(SHA256.HashData(data));

    /// <summary>The lowercase hex without prefix: how <c>/api/tags</c> reports a manifest digest.</summary>
    public static string HexOf(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>The 12 hex characters the CLI shows as an ID (of a prefixed or bare digest).</summary>
    public static string ShortId(string digest)
    {
        string hex = digest.StartsWith("sha256", StringComparison.Ordinal) && digest.Length > 7 ? digest[7..] : digest;
        return hex.Length > 12 ? hex[..12] : hex;
    }
}
