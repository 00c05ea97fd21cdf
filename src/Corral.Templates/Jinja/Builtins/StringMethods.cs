using System.Text;
using Corral.Templates.Jinja.Runtime;

namespace Corral.Templates.Jinja.Builtins;

/// <summary>Python <c>str</c> methods.</summary>
internal static class StringMethods
{
    private static readonly Dictionary<string, MethodImpl> s_methods = new(StringComparer.Ordinal)
    {
        ["strip"] = (_, s, a) => Strip(s, a, "strip", true, true),
        ["lstrip"] = (_, s, a) => Strip(s, a, "lstrip", true, false),
        ["rstrip"] = (_, s, a) => Strip(s, a, "rstrip", false, true),
        ["split"] = (_, s, a) => SplitResult(PyStr.Split(s.AsString, Methods.OptionalStringArg(a.Get(0, "sep"), "split"), MaxSplit(a))),
        ["rsplit"] = (_, s, a) => SplitResult(PyStr.RSplit(s.AsString, Methods.OptionalStringArg(a.Get(0, "sep"), "rsplit"), MaxSplit(a))),
        ["splitlines"] = (_, s, a) => SplitResult(SplitLines(s.AsString, a.Get(0, "keepends").IsTruthy)),
        ["upper"] = (_, s, _) => PyStr.Upper(s.AsString),
        ["lower"] = (_, s, _) => PyStr.Lower(s.AsString),
        ["casefold"] = (_, s, _) => PyStr.Lower(s.AsString),
        ["title"] = (_, s, _) => PyStr.Title(s.AsString),
        ["capitalize"] = (_, s, _) => PyStr.Capitalize(s.AsString),
        ["swapcase"] = (_, s, _) => SwapCase(s.AsString),
        ["startswith"] = (_, s, a) => Affix(s.AsString, a, "startswith", prefix: true),
        ["endswith"] = (_, s, a) => Affix(s.AsString, a, "endswith", prefix: false),
        ["replace"] = (_, s, a) => PyStr.Replace(s.AsString, Methods.StringArg(a.Get(0, "old"), "replace"), Methods.StringArg(a.Get(1, "new"), "replace"),
            a.Has(2, "count") ? Methods.IntArg(a.Get(2, "count"), "replace") : -1),
        ["find"] = (_, s, a) => Find(s.AsString, a, "find", fromEnd: false),
        ["rfind"] = (_, s, a) => Find(s.AsString, a, "rfind", fromEnd: true),
        ["index"] = (_, s, a) => Index(s.AsString, a, "index", fromEnd: false),
        ["rindex"] = (_, s, a) => Index(s.AsString, a, "rindex", fromEnd: true),
        ["count"] = (_, s, a) => Count(s.AsString, Methods.StringArg(a.Get(0, "sub"), "count")),
        ["join"] = (_, s, a) => Join(s.AsString, a.Get(0, "iterable")),
        ["format"] = (i, s, a) => StrFormat.Format(i, s.AsString, a),
        ["isalpha"] = (_, s, _) => s.AsString.Length > 0 && s.AsString.All(char.IsLetter),
        ["isdigit"] = (_, s, _) => s.AsString.Length > 0 && s.AsString.All(char.IsDigit),
        ["isdecimal"] = (_, s, _) => s.AsString.Length > 0 && s.AsString.All(char.IsDigit),
        ["isnumeric"] = (_, s, _) => s.AsString.Length > 0 && s.AsString.All(char.IsNumber),
        ["isalnum"] = (_, s, _) => s.AsString.Length > 0 && s.AsString.All(char.IsLetterOrDigit),
        ["isspace"] = (_, s, _) => s.AsString.Length > 0 && s.AsString.All(PyStr.IsSpace),
        ["islower"] = (_, s, _) => IsLower(s.AsString),
        ["isupper"] = (_, s, _) => IsUpper(s.AsString),
        ["istitle"] = (_, s, _) => s.AsString.Length > 0 && PyStr.Title(s.AsString) == s.AsString && s.AsString.Any(PyStr.IsCased),
        ["center"] = (_, s, a) => Pad(s.AsString, a, "center"),
        ["ljust"] = (_, s, a) => Pad(s.AsString, a, "ljust"),
        ["rjust"] = (_, s, a) => Pad(s.AsString, a, "rjust"),
        ["zfill"] = (_, s, a) => ZFill(s.AsString, (int)Methods.IntArg(a.Get(0, "width"), "zfill")),
        ["partition"] = (_, s, a) => Partition(s.AsString, Methods.StringArg(a.Get(0, "sep"), "partition"), fromEnd: false),
        ["rpartition"] = (_, s, a) => Partition(s.AsString, Methods.StringArg(a.Get(0, "sep"), "rpartition"), fromEnd: true),
        ["removeprefix"] = (_, s, a) =>
        {
            string p = Methods.StringArg(a.Get(0, "prefix"), "removeprefix");
            return s.AsString.StartsWith(p, StringComparison.Ordinal) ? s.AsString[p.Length..] : s.AsString;
        },
        ["removesuffix"] = (_, s, a) =>
        {
            string p = Methods.StringArg(a.Get(0, "suffix"), "removesuffix");
            return p.Length > 0 && s.AsString.EndsWith(p, StringComparison.Ordinal) ? s.AsString[..^p.Length] : s.AsString;
        },
    };

    public static MethodImpl? Find(string name) => s_methods.GetValueOrDefault(name);

    private static JinjaValue Strip(JinjaValue s, JinjaArgs a, string name, bool left, bool right) =>
        PyStr.Strip(s.AsString, Methods.OptionalStringArg(a.Get(0, "chars"), name), left, right);

    private static long MaxSplit(JinjaArgs a) => a.Has(1, "maxsplit") ? Methods.IntArg(a.Get(1, "maxsplit"), "split") : -1;

    private static JinjaValue SplitResult(List<string> parts) => JinjaValue.List(parts.Select(JinjaValue.FromString));

    /// <summary>Python <c>str.splitlines</c> (splits on \n, \r, \r\n, \v, \f, \x1c-\x1e, \x85, \u2028, \u2029).</summary>
    public static List<string> SplitLines(string s, bool keepEnds)
    {
        var lines = new List<string>();
        int start = 0, i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            int eol = c switch
            {
                '\r' when i + 1 < s.Length && s[i + 1] == '\n' => 2,
                '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029' => 1,
                _ => 0,
            };
            if (eol == 0) { i++; continue; }
            lines.Add(s.Substring(start, (keepEnds ? i + eol : i) - start));
            i += eol;
            start = i;
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }

    private static string SwapCase(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
            sb.Append(char.IsUpper(c) ? char.ToLowerInvariant(c) : char.IsLower(c) ? char.ToUpperInvariant(c) : c);
        return sb.ToString();
    }

    private static bool IsLower(string s) => s.Any(PyStr.IsCased) && !s.Any(char.IsUpper);
    private static bool IsUpper(string s) => s.Any(PyStr.IsCased) && !s.Any(char.IsLower);

    private static (int Start, int End) Window(string s, JinjaArgs a, int startIndex, string name)
    {
        int len = s.Length;
        long start = a.Get(startIndex, "start") is { IsNullish: false } st ? Methods.IntArg(st, name) : 0;
        long end = a.Get(startIndex + 1, "end") is { IsNullish: false } en ? Methods.IntArg(en, name) : len;
        if (start < 0) start = Math.Max(0, start + len);
        if (end < 0) end = Math.Max(0, end + len);
        return ((int)Math.Min(start, len), (int)Math.Min(end, len));
    }

    private static JinjaValue Affix(string s, JinjaArgs a, string name, bool prefix)
    {
        var what = a.Get(0, prefix ? "prefix" : "suffix");
        var (start, end) = Window(s, a, 1, name);
        if (start > end) return false;
        string window = s[start..end];
        IEnumerable<JinjaValue> candidates = what.IsList && what.AsList.Flavor == ListFlavor.Tuple ? what.AsList : [what];
        foreach (var c in candidates)
        {
            if (!c.IsString)
                throw Errors.Type($"{name} first arg must be str or a tuple of str, not {PyFormat.TypeName(c)}");
            if (prefix ? window.StartsWith(c.AsString, StringComparison.Ordinal) : window.EndsWith(c.AsString, StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    private static int FindIndex(string s, JinjaArgs a, string name, bool fromEnd)
    {
        string sub = Methods.StringArg(a.Get(0, "sub"), name);
        var (start, end) = Window(s, a, 1, name);
        if (start > end) return -1;
        string window = s[start..end];
        int idx = fromEnd ? window.LastIndexOf(sub, StringComparison.Ordinal) : window.IndexOf(sub, StringComparison.Ordinal);
        return idx < 0 ? -1 : idx + start;
    }

    private static JinjaValue Find(string s, JinjaArgs a, string name, bool fromEnd) => FindIndex(s, a, name, fromEnd);

    private static JinjaValue Index(string s, JinjaArgs a, string name, bool fromEnd)
    {
        int idx = FindIndex(s, a, name, fromEnd);
        if (idx < 0) throw Errors.Value("substring not found");
        return idx;
    }

    private static JinjaValue Count(string s, string sub)
    {
        if (sub.Length == 0) return PyStr.Length(s) + 1;
        int n = 0, i = 0;
        while ((i = s.IndexOf(sub, i, StringComparison.Ordinal)) >= 0) { n++; i += sub.Length; }
        return n;
    }

    private static JinjaValue Join(string separator, JinjaValue iterable)
    {
        var sb = new StringBuilder();
        int index = 0;
        foreach (var item in Access.Iterate(iterable))
        {
            if (!item.IsString)
                throw Errors.Type($"sequence item {index}: expected str instance, {PyFormat.TypeName(item)} found");
            if (index > 0) sb.Append(separator);
            sb.Append(item.AsString);
            index++;
        }
        return sb.ToString();
    }

    private static JinjaValue Pad(string s, JinjaArgs a, string name)
    {
        long width = Methods.IntArg(a.Get(0, "width"), name);
        string fill = a.Has(1, "fillchar") ? Methods.StringArg(a.Get(1, "fillchar"), name) : " ";
        if (fill.Length != 1) throw Errors.Type("The fill character must be exactly one character long");
        int len = PyStr.Length(s);
        if (width <= len) return s;
        int total = (int)width - len;
        int left = name switch
        {
            "ljust" => 0,
            "rjust" => total,
            _ => total / 2 + (total & (int)width & 1),
        };
        return new string(fill[0], left) + s + new string(fill[0], total - left);
    }

    private static JinjaValue ZFill(string s, int width)
    {
        int len = PyStr.Length(s);
        if (width <= len) return s;
        int sign = s.Length > 0 && s[0] is '+' or '-' ? 1 : 0;
        return s[..sign] + new string('0', width - len) + s[sign..];
    }

    private static JinjaValue Partition(string s, string sep, bool fromEnd)
    {
        if (sep.Length == 0) throw Errors.Value("empty separator");
        int idx = fromEnd ? s.LastIndexOf(sep, StringComparison.Ordinal) : s.IndexOf(sep, StringComparison.Ordinal);
        if (idx < 0)
            return fromEnd ? JinjaValue.Tuple("", "", s) : JinjaValue.Tuple(s, "", "");
        return JinjaValue.Tuple(s[..idx], sep, s[(idx + sep.Length)..]);
    }
}
