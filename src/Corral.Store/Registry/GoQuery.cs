using System.Text;

namespace Corral.Store.Registry;

/// <summary>
/// Go's <c>net/url</c> query encoding, which the registry token flow signs byte for byte (runtime.md §4.2.1):
/// <c>QueryEscape</c> keeps <c>A–Z a–z 0–9 - _ . ~</c>, writes a space as <c>+</c> and everything else as upper-case
/// <c>%XX</c>; <c>Values.Encode</c> sorts keys and keeps each key's values in insertion order.
/// </summary>
public static class GoQuery
{
    /// <summary>Go's <c>url.QueryEscape</c> over the UTF-8 bytes of <paramref name="s"/>.</summary>
    public static string Escape(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        var sb = new StringBuilder(bytes.Length * 3 / 2);
        foreach (byte b in bytes)
        {
            if (IsUnreserved(b)) sb.Append((char)b);
            else if (b == (byte)' ') sb.Append('+');
            else sb.Append('%').Append("0123456789ABCDEF"[b >> 4]).Append("0123456789ABCDEF"[b & 15]);
        }
        return sb.ToString();
    }

    /// <summary>Go's <c>url.QueryUnescape</c> (lenient: a malformed escape is kept literally).</summary>
    public static string Unescape(string s)
    {
        var bytes = new List<byte>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '+') bytes.Add((byte)' ');
            else if (c == '%' && i + 2 < s.Length && char.IsAsciiHexDigit(s[i + 1]) && char.IsAsciiHexDigit(s[i + 2]))
            {
                bytes.Add(Convert.ToByte(s.Substring(i + 1, 2), 16));
                i += 2;
            }
            else bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>Parses a raw query (<c>a=1&amp;b=2</c>, no leading <c>?</c>) into ordered key/value pairs, as <c>url.ParseQuery</c> does.</summary>
    public static List<KeyValuePair<string, string>> Parse(string rawQuery)
    {
        var list = new List<KeyValuePair<string, string>>();
        if (string.IsNullOrEmpty(rawQuery)) return list;
        foreach (var piece in rawQuery.Split('&'))
        {
            if (piece.Length == 0) continue;
            int eq = piece.IndexOf('=');
            string k = eq < 0 ? piece : piece[..eq];
            string v = eq < 0 ? "" : piece[(eq + 1)..];
            list.Add(new(Unescape(k), Unescape(v)));
        }
        return list;
    }

    /// <summary>Go's <c>url.Values.Encode</c>: keys sorted ordinally, values of one key in the order they were added.</summary>
    public static string Encode(IEnumerable<KeyValuePair<string, string>> values)
    {
        var groups = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (k, v) in values)
        {
            if (!groups.TryGetValue(k, out var list)) groups[k] = list = [];
            list.Add(v);
        }
        var sb = new StringBuilder();
        foreach (var (k, list) in groups)
        {
            string key = Escape(k);
            foreach (var v in list)
            {
                if (sb.Length > 0) sb.Append('&');
                sb.Append(key).Append('=').Append(Escape(v));
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// <paramref name="url"/> with <paramref name="added"/> merged into its query and the whole query re-encoded the Go way
    /// (existing parameters first, sorted with the new ones by key).
    /// </summary>
    public static Uri WithQuery(Uri url, IEnumerable<KeyValuePair<string, string>> added)
    {
        var values = Parse(url.Query.TrimStart('?'));
        values.AddRange(added);
        var b = new UriBuilder(url) { Query = Encode(values) };
        return b.Uri;
    }

    private static bool IsUnreserved(byte b) =>
        b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~';
}
