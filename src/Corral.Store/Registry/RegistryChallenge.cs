using System.Security.Cryptography;

namespace Corral.Store.Registry;

/// <summary>
/// A registry's <c>WWW-Authenticate: Bearer realm="…",service="…",scope="…"</c> challenge (runtime.md §4.2.1), parsed the
/// way upstream does: the <c>Bearer </c> prefix is dropped and each value runs from <c>key="</c> to the first quote that is
/// followed by a comma or the end (a quote followed by anything else belongs to the value).
/// </summary>
public sealed record RegistryChallenge(string Realm, string Service, string Scope)
{
    public static RegistryChallenge Parse(string? header)
    {
        string s = header ?? "";
        if (s.StartsWith("Bearer ", StringComparison.Ordinal)) s = s["Bearer ".Length..];
        return new RegistryChallenge(Value(s, "realm"), Value(s, "service"), Value(s, "scope"));
    }

    /// <summary>
    /// The token URL: the realm plus <c>service</c>, one <c>scope</c> per space-separated scope, <c>ts</c> (Unix seconds) and
    /// <c>nonce</c> (16 random bytes, base64url without padding), merged with the realm's own query and encoded with keys
    /// sorted. Throws <see cref="RegistryException"/> when the realm is not an absolute http(s) URL.
    /// </summary>
    public Uri TokenUrl(DateTimeOffset now, ReadOnlySpan<byte> nonce)
    {
        if (!Uri.TryCreate(Realm, UriKind.Absolute, out var realm) || realm.Scheme is not ("http" or "https"))
            throw new RegistryException($"registry sent an authentication challenge with an invalid realm {GoFormat.Quote(Realm)}");
        var added = new List<KeyValuePair<string, string>> { new("service", Service) };
        foreach (var scope in Scope.Split(' ')) added.Add(new("scope", scope));
        added.Add(new("ts", now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        added.Add(new("nonce", Base64UrlNoPadding(nonce)));
        return GoQuery.WithQuery(realm, added);
    }

    /// <summary><see cref="TokenUrl(DateTimeOffset, ReadOnlySpan{byte})"/> with the current time and a fresh random nonce.</summary>
    public Uri TokenUrl() => TokenUrl(DateTimeOffset.UtcNow, RandomNumberGenerator.GetBytes(16));

    internal static string Base64UrlNoPadding(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Value(string header, string key)
    {
        int start = header.IndexOf(key + "=", StringComparison.Ordinal);
        if (start < 0) return "";
        start += key.Length + 2; // skip key, '=' and the opening quote
        if (start > header.Length) return "";
        int end = start;
        while (end < header.Length)
        {
            if (header[end] == '"' && (end + 1 >= header.Length || header[end + 1] == ',')) break;
            end++;
        }
        return header[start..end];
    }
}
