using System.Text;

namespace Corral.Templates.Jinja;

/// <summary>
/// Python string semantics over .NET strings: Python indexes code points, .NET UTF-16 units.
/// Strings without surrogates (nearly all) take the direct path.
/// </summary>
internal static class PyStr
{
    public static bool HasSurrogates(string s) => s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    public static int Length(string s)
    {
        if (!HasSurrogates(s)) return s.Length;
        int n = 0;
        for (int i = 0; i < s.Length; i++, n++)
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
        return n;
    }

    /// <summary>The code points of <paramref name="s"/>, each as a string of one or two UTF-16 units.</summary>
    public static List<string> Chars(string s)
    {
        var result = new List<string>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                result.Add(s.Substring(i, 2));
                i++;
            }
            else result.Add(s[i].ToString());
        }
        return result;
    }

    /// <summary>Python <c>s[index]</c>; null when out of range.</summary>
    public static string? CharAt(string s, long index)
    {
        if (!HasSurrogates(s))
        {
            if (index < 0) index += s.Length;
            return index >= 0 && index < s.Length ? s[(int)index].ToString() : null;
        }
        var chars = Chars(s);
        if (index < 0) index += chars.Count;
        return index >= 0 && index < chars.Count ? chars[(int)index] : null;
    }

    public static string Slice(string s, long? start, long? stop, long? step)
    {
        if (!HasSurrogates(s))
        {
            if (step is null or 1)
            {
                var (a, b) = SimpleBounds(s.Length, start, stop);
                return s.Substring(a, b - a);
            }
            var sb = new StringBuilder();
            foreach (int i in SliceIndices(s.Length, start, stop, step)) sb.Append(s[i]);
            return sb.ToString();
        }
        var chars = Chars(s);
        var result = new StringBuilder();
        foreach (int i in SliceIndices(chars.Count, start, stop, step)) result.Append(chars[i]);
        return result.ToString();
    }

    private static (int Start, int Stop) SimpleBounds(int length, long? start, long? stop)
    {
        long a = Clamp(start ?? 0, length), b = Clamp(stop ?? length, length);
        return ((int)a, (int)Math.Max(a, b));

        static long Clamp(long i, int len)
        {
            if (i < 0) i += len;
            return Math.Clamp(i, 0, len);
        }
    }

    /// <summary>Python <c>slice(start, stop, step).indices(length)</c> expanded to the selected indices.</summary>
    public static IEnumerable<int> SliceIndices(int length, long? start, long? stop, long? step)
    {
        long st = step ?? 1;
        if (st == 0) throw Errors.Value("slice step cannot be zero");
        long a, b;
        if (st > 0)
        {
            a = start is { } s0 ? (s0 < 0 ? Math.Max(s0 + length, 0) : Math.Min(s0, length)) : 0;
            b = stop is { } e0 ? (e0 < 0 ? Math.Max(e0 + length, 0) : Math.Min(e0, length)) : length;
            for (long i = a; i < b; i += st) yield return (int)i;
        }
        else
        {
            a = start is { } s1 ? (s1 < 0 ? Math.Max(s1 + length, -1) : Math.Min(s1, length - 1)) : length - 1;
            b = stop is { } e1 ? (e1 < 0 ? Math.Max(e1 + length, -1) : Math.Min(e1, length - 1)) : -1;
            for (long i = a; i > b; i += st) yield return (int)i;
        }
    }

    /// <summary>Python <c>str.isspace</c> for one character.</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || (c >= '\x1c' && c <= '\x1f');

    public static string Strip(string s, string? chars, bool left, bool right)
    {
        int a = 0, b = s.Length;
        if (chars == null)
        {
            if (left) while (a < b && IsSpace(s[a])) a++;
            if (right) while (b > a && IsSpace(s[b - 1])) b--;
        }
        else
        {
            if (left) while (a < b && chars.Contains(s[a])) a++;
            if (right) while (b > a && chars.Contains(s[b - 1])) b--;
        }
        return s.Substring(a, b - a);
    }

    public static bool IsCased(char c) => char.IsUpper(c) || char.IsLower(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.TitlecaseLetter;

    public static string Upper(string s) => s.ToUpperInvariant();
    public static string Lower(string s) => s.ToLowerInvariant();

    /// <summary>Python <c>str.capitalize</c>: first character upper-cased, the rest lower-cased.</summary>
    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    /// <summary>Python <c>str.title</c>: a cased character following an uncased one starts a word.</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool previousCased = false;
        foreach (char c in s)
        {
            sb.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousCased = IsCased(c);
        }
        return sb.ToString();
    }

    /// <summary>Python <c>str.split(sep, maxsplit)</c>; a null separator splits on whitespace runs and drops empty parts.</summary>
    public static List<string> Split(string s, string? sep, long maxSplit)
    {
        var parts = new List<string>();
        if (sep == null)
        {
            int i = 0, n = s.Length;
            while (true)
            {
                while (i < n && IsSpace(s[i])) i++;
                if (i >= n) break;
                if (maxSplit >= 0 && parts.Count >= maxSplit)
                {
                    parts.Add(s[i..]);
                    break;
                }
                int j = i;
                while (j < n && !IsSpace(s[j])) j++;
                parts.Add(s[i..j]);
                i = j;
            }
            return parts;
        }
        if (sep.Length == 0) throw Errors.Value("empty separator");
        int start = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            int idx = s.IndexOf(sep, start, StringComparison.Ordinal);
            if (idx < 0) break;
            parts.Add(s[start..idx]);
            start = idx + sep.Length;
        }
        parts.Add(s[start..]);
        return parts;
    }

    /// <summary>Python <c>str.rsplit(sep, maxsplit)</c>.</summary>
    public static List<string> RSplit(string s, string? sep, long maxSplit)
    {
        if (maxSplit < 0) return Split(s, sep, -1);
        var parts = new List<string>();
        if (sep == null)
        {
            int j = s.Length;
            while (true)
            {
                while (j > 0 && IsSpace(s[j - 1])) j--;
                if (j <= 0) break;
                if (parts.Count >= maxSplit)
                {
                    parts.Add(s[..j]);
                    break;
                }
                int i = j;
                while (i > 0 && !IsSpace(s[i - 1])) i--;
                parts.Add(s[i..j]);
                j = i;
            }
            parts.Reverse();
            return parts;
        }
        if (sep.Length == 0) throw Errors.Value("empty separator");
        int end = s.Length;
        while (parts.Count < maxSplit)
        {
            int idx = end - sep.Length < 0 ? -1 : s.LastIndexOf(sep, end - 1, end, StringComparison.Ordinal);
            if (idx < 0 || idx + sep.Length > end) break;
            parts.Add(s[(idx + sep.Length)..end]);
            end = idx;
        }
        parts.Add(s[..end]);
        parts.Reverse();
        return parts;
    }

    /// <summary>Python <c>str.replace(old, new, count)</c> (an empty <paramref name="old"/> inserts between characters).</summary>
    public static string Replace(string s, string oldValue, string newValue, long count)
    {
        if (count < 0 && oldValue.Length > 0) return s.Replace(oldValue, newValue, StringComparison.Ordinal);
        var sb = new StringBuilder();
        if (oldValue.Length == 0)
        {
            long done = 0;
            var chars = Chars(s);
            foreach (var ch in chars)
            {
                if (count < 0 || done < count) { sb.Append(newValue); done++; }
                sb.Append(ch);
            }
            if (count < 0 || done < count) sb.Append(newValue);
            return sb.ToString();
        }
        int start = 0;
        long replaced = 0;
        while (replaced < count)
        {
            int idx = s.IndexOf(oldValue, start, StringComparison.Ordinal);
            if (idx < 0) break;
            sb.Append(s, start, idx - start).Append(newValue);
            start = idx + oldValue.Length;
            replaced++;
        }
        sb.Append(s, start, s.Length - start);
        return sb.ToString();
    }
}
