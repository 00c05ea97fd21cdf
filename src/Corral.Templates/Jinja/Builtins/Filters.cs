using System.Globalization;
using System.Text;
using Corral.Templates.Jinja.Runtime;

namespace Corral.Templates.Jinja.Builtins;

/// <summary>A filter implementation: <c>value | name(args)</c>.</summary>
internal delegate JinjaValue FilterImpl(Interpreter interpreter, JinjaValue value, JinjaArgs args);

/// <summary>
/// Jinja2's built-in filters, with Hugging Face's <c>tojson</c> (plain <c>json.dumps</c>, no HTML escaping, non-ASCII kept)
/// and llama.cpp's <c>from_json</c>. String filters coerce their input with <c>str()</c> as Jinja2's <c>soft_str</c> does.
/// </summary>
internal static partial class Filters
{
    private static readonly Dictionary<string, FilterImpl> s_filters = new(StringComparer.Ordinal);

    static Filters()
    {
        RegisterStringFilters();
        RegisterSequenceFilters();
        RegisterOtherFilters();
    }

    public static bool TryGet(string name, out FilterImpl filter) => s_filters.TryGetValue(name, out filter!);

    public static bool Exists(string name) => s_filters.ContainsKey(name);

    private static void Add(FilterImpl impl, params string[] names)
    {
        foreach (var name in names) s_filters[name] = impl;
    }

    private static string SoftStr(JinjaValue v) => PyFormat.Str(v);

    private static void RegisterStringFilters()
    {
        Add((_, v, _) => Markup.Like(v, PyStr.Upper(SoftStr(v))), "upper");
        Add((_, v, _) => Markup.Like(v, PyStr.Lower(SoftStr(v))), "lower");
        Add((_, v, _) => Markup.Like(v, PyStr.Capitalize(SoftStr(v))), "capitalize");
        Add((_, v, _) => Markup.Like(v, JinjaTitle(SoftStr(v))), "title");
        Add((_, v, a) => Markup.Like(v, PyStr.Strip(SoftStr(v), Methods.OptionalStringArg(a.Get(0, "chars"), "trim"), true, true)), "trim");
        Add((_, v, a) =>
        {
            long count = a.Get(2, "count") is { IsNullish: false } c ? Methods.IntArg(c, "replace") : -1;
            return PyStr.Replace(SoftStr(v), SoftStr(a.Get(0, "old")), SoftStr(a.Get(1, "new")), count);
        }, "replace");
        Add((_, v, a) => Markup.Like(v, Indent(v, a)), "indent");
        Add((_, v, a) =>
        {
            string s = SoftStr(v);
            long width = a.Has(0, "width") ? Methods.IntArg(a.Get(0, "width"), "center") : 80;
            int len = PyStr.Length(s);
            if (width <= len) return s;
            int total = (int)width - len, left = total / 2 + (total & (int)width & 1);
            return Markup.Like(v, new string(' ', left) + s + new string(' ', total - left));
        }, "center");
        Add((_, v, _) => System.Text.RegularExpressions.Regex.Matches(SoftStr(v), @"\w+").Count, "wordcount");
        Add((_, v, a) => Truncate(SoftStr(v), a), "truncate");
        Add((_, v, _) => JinjaValue.FromMarkup(Markup.Escape(v)), "escape", "e");
        Add((_, v, _) => JinjaValue.FromMarkup(Markup.EscapeText(SoftStr(v))), "forceescape");
        Add((_, v, _) => StripTags(SoftStr(v)), "striptags");
        Add((_, v, a) =>
        {
            if (a.Named.Count > 0 && a.Positional.Count > 0)
                throw Errors.Runtime("can't handle positional and keyword arguments at the same time");
            JinjaValue args;
            if (a.Named.Count > 0)
            {
                var dict = new JinjaDict();
                foreach (var (k, val) in a.Named) dict[k] = val;
                args = JinjaValue.FromDict(dict);
            }
            else args = JinjaValue.FromList(new JinjaList(a.Positional, ListFlavor.Tuple));
            return Markup.Like(v, PercentFormat.Format(SoftStr(v), args, escapeArguments: v.IsMarkup));
        }, "format");
    }

    /// <summary>Jinja2's <c>title</c>: words start after <c>-</c>, whitespace, or an opening bracket.</summary>
    private static string JinjaTitle(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool wordStart = true;
        foreach (char c in s)
        {
            bool separator = c is '-' or '(' or '{' or '[' or '<' || char.IsWhiteSpace(c);
            if (separator) { sb.Append(c); wordStart = true; continue; }
            sb.Append(wordStart ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            wordStart = false;
        }
        return sb.ToString();
    }

    /// <summary>Jinja2's <c>indent(width=4, first=False, blank=False)</c>; <paramref name="a"/> width may be a string.</summary>
    private static string Indent(JinjaValue value, JinjaArgs a)
    {
        if (!value.IsString && !value.IsUndefined)
            throw Errors.Type($"unsupported operand type(s) for +=: '{PyFormat.TypeName(value)}' and 'str'");
        var widthArg = a.Get(0, "width", 4);
        string indention = widthArg.IsString ? widthArg.AsString : new string(' ', (int)Math.Max(0, Methods.IntArg(widthArg, "indent")));
        bool first = a.Get(1, "first").IsTruthy, blank = a.Get(2, "blank").IsTruthy;
        string s = SoftStr(value) + "\n";
        var lines = StringMethods.SplitLines(s, keepEnds: false);
        string result;
        if (blank) result = string.Join("\n" + indention, lines);
        else
        {
            var sb = new StringBuilder(lines.Count > 0 ? lines[0] : "");
            if (lines.Count > 1)
            {
                sb.Append('\n');
                for (int i = 1; i < lines.Count; i++)
                {
                    if (i > 1) sb.Append('\n');
                    if (lines[i].Length > 0) sb.Append(indention);
                    sb.Append(lines[i]);
                }
            }
            result = sb.ToString();
        }
        return first ? indention + result : result;
    }

    private static JinjaValue Truncate(string s, JinjaArgs a)
    {
        long length = a.Has(0, "length") ? Methods.IntArg(a.Get(0, "length"), "truncate") : 255;
        bool killWords = a.Get(1, "killwords").IsTruthy;
        string end = a.Has(2, "end") ? SoftStr(a.Get(2, "end")) : "...";
        long leeway = a.Get(3, "leeway") is { IsNullish: false } l ? Methods.IntArg(l, "truncate") : 5;
        if (PyStr.Length(s) <= length + leeway) return s;
        string cut = PyStr.Slice(s, null, length - PyStr.Length(end), null);
        if (killWords) return cut + end;
        int space = cut.LastIndexOf(' ');
        return (space >= 0 ? cut[..space] : cut) + end;
    }


    private static string StripTags(string s)
    {
        s = System.Text.RegularExpressions.Regex.Replace(s, @"<!--.*?-->|<[^>]*>", "", System.Text.RegularExpressions.RegexOptions.Singleline);
        return string.Join(" ", PyStr.Split(s, null, -1));
    }

    private static void RegisterOtherFilters()
    {
        Add((_, v, a) =>
        {
            var fallback = a.Get(0, "default_value", "");
            bool boolean = a.Get(1, "boolean").IsTruthy;
            return v.IsUndefined || (boolean && !v.IsTruthy) ? fallback : v;
        }, "default", "d");
        Add((_, v, _) => v.IsMarkup ? v : SoftStr(v), "string");
        Add((_, v, _) => JinjaValue.FromMarkup(SoftStr(v)), "safe");
        Add((_, v, a) => ToJson(v, a), "tojson");
        Add((_, v, _) => JinjaValueConverter.ParseJson(v.IsString ? v.AsString : throw Errors.Type($"the JSON object must be str, not {PyFormat.TypeName(v)}")), "from_json");
        Add((_, v, a) => ToInt(v, a), "int");
        Add((_, v, a) => ToFloat(v, a.Get(0, "default", 0.0)), "float");
        Add((_, v, _) => Abs(v), "abs");
        Add((_, v, a) => Round(v, a), "round");
        Add((_, v, a) => Methods.TryBind(v, SoftStr(a.Get(0, "name")), out var m) ? m
            : v.Kind == JinjaKind.Object && v.AsObject.TryGetAttribute(SoftStr(a.Get(0, "name")), out var attr) ? attr
            : JinjaValue.MakeUndefined(UndefinedInfo.ForMember(v, a.Get(0, "name"))), "attr");
        Add((_, v, _) => PyFormat.Repr(v), "pprint");
        Add((_, v, a) => FileSizeFormat(v, a.Get(0, "binary").IsTruthy), "filesizeformat");
    }

    /// <summary>Hugging Face's <c>tojson(ensure_ascii=False, indent=None, separators=None, sort_keys=False)</c>.</summary>
    private static JinjaValue ToJson(JinjaValue v, JinjaArgs a)
    {
        if (v.IsUndefined) throw Errors.NotSerializable(v);
        bool ensureAscii = a.Get(0, "ensure_ascii").IsTruthy;
        var indentArg = a.Get(1, "indent");
        string? indent = indentArg.Kind switch
        {
            JinjaKind.Undefined or JinjaKind.None => null,
            JinjaKind.String => indentArg.AsString,
            JinjaKind.Int or JinjaKind.Bool => new string(' ', (int)Math.Max(0, indentArg.AsInt)),
            _ => throw Errors.Type($"can't multiply sequence by non-int of type '{PyFormat.TypeName(indentArg)}'"),
        };
        string? itemSep = null, keySep = null;
        var separators = a.Get(2, "separators");
        if (!separators.IsNullish)
        {
            var parts = Access.ToList(separators);
            if (parts.Count != 2 || !parts[0].IsString || !parts[1].IsString)
                throw Errors.Value("separators must be a (item_separator, key_separator) pair of strings");
            itemSep = parts[0].AsString;
            keySep = parts[1].AsString;
        }
        bool sortKeys = a.Get(3, "sort_keys").IsTruthy;
        return PyJson.Dumps(v, new PyJson.Options(ensureAscii, indent, itemSep, keySep, sortKeys));
    }

    private static JinjaValue ToInt(JinjaValue v, JinjaArgs a)
    {
        if (v.IsUndefined) throw Errors.UndefinedUsed(v);
        var fallback = a.Get(0, "default", 0);
        long radix = a.Has(1, "base") ? Methods.IntArg(a.Get(1, "base"), "int") : 10;
        if (v.IsIntegral) return v.AsInt;
        if (v.Kind == JinjaKind.Float)
        {
            double d = Math.Truncate(v.AsFloat);
            if (double.IsNaN(d) || double.IsInfinity(d)) throw Errors.Value("cannot convert float NaN or infinity to integer");
            return (long)d;
        }
        if (v.IsString)
        {
            if (TryParsePythonInt(v.AsString, (int)radix, out long l)) return l;
            if (TryParsePythonFloat(v.AsString, out double f) && !double.IsNaN(f) && !double.IsInfinity(f)) return (long)Math.Truncate(f);
        }
        return fallback;
    }

    private static JinjaValue ToFloat(JinjaValue v, JinjaValue fallback)
    {
        if (v.IsUndefined) throw Errors.UndefinedUsed(v);
        if (v.IsNumber) return v.AsFloat;
        if (v.IsString && TryParsePythonFloat(v.AsString, out double d)) return d;
        return fallback;
    }

    internal static bool TryParsePythonInt(string text, int radix, out long value)
    {
        value = 0;
        string s = PyStr.Strip(text, null, true, true).Replace("_", "");
        bool negative = false;
        if (s.Length > 0 && s[0] is '+' or '-') { negative = s[0] == '-'; s = s[1..]; }
        if (radix == 16 && s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) s = s[2..];
        else if (radix == 8 && s.StartsWith("0o", StringComparison.OrdinalIgnoreCase)) s = s[2..];
        else if (radix == 2 && s.StartsWith("0b", StringComparison.OrdinalIgnoreCase)) s = s[2..];
        if (s.Length == 0 || radix < 2 || radix > 36) return false;
        foreach (char c in s)
        {
            int digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? char.ToLowerInvariant(c) - 'a' + 10 : 99;
            if (digit >= radix) return false;
            try { value = checked(value * radix + digit); }
            catch (OverflowException) { return false; }
        }
        if (negative) value = -value;
        return true;
    }

    internal static bool TryParsePythonFloat(string text, out double value)
    {
        string s = PyStr.Strip(text, null, true, true).Replace("_", "");
        switch (s.ToLowerInvariant())
        {
            case "inf" or "+inf" or "infinity" or "+infinity": value = double.PositiveInfinity; return true;
            case "-inf" or "-infinity": value = double.NegativeInfinity; return true;
            case "nan" or "+nan" or "-nan": value = double.NaN; return true;
        }
        return double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value);
    }

    private static JinjaValue Abs(JinjaValue v)
    {
        if (v.IsUndefined) throw Errors.UndefinedUsed(v);
        if (v.IsIntegral) return Math.Abs(v.AsInt);
        if (v.Kind == JinjaKind.Float) return Math.Abs(v.AsFloat);
        throw Errors.Type($"bad operand type for abs(): '{PyFormat.TypeName(v)}'");
    }

    private static JinjaValue Round(JinjaValue v, JinjaArgs a)
    {
        long precision = a.Has(0, "precision") ? Methods.IntArg(a.Get(0, "precision"), "round") : 0;
        string method = a.Has(1, "method") ? SoftStr(a.Get(1, "method")) : "common";
        if (v.IsUndefined) throw Errors.UndefinedUsed(v);
        if (!v.IsNumber) throw Errors.Type($"type {PyFormat.TypeName(v)} doesn't define __round__ method");
        double x = v.AsFloat;
        switch (method)
        {
            case "common":
                if (v.IsIntegral) return RoundInt(v.AsInt, precision);
                return PythonRound(x, precision);
            case "ceil":
                return Math.Ceiling(x * Math.Pow(10, precision)) / Math.Pow(10, precision);
            case "floor":
                return Math.Floor(x * Math.Pow(10, precision)) / Math.Pow(10, precision);
            default:
                throw Errors.Runtime("method must be common, ceil or floor");
        }
    }

    /// <summary>Python <c>round(x, n)</c>: half-to-even on the exact binary value (so <c>round(2.675, 2)</c> is 2.67).</summary>
    private static double PythonRound(double x, long digits)
    {
        if (double.IsNaN(x) || double.IsInfinity(x) || x == 0) return x;
        if (digits > 320) return x;
        if (digits < -308) return 0.0 * Math.Sign(x);
        if (digits < 0)
        {
            double scale = Math.Pow(10, -digits);
            return Math.Round(x / scale, MidpointRounding.ToEven) * scale;
        }
        // .NET prints the exact decimal expansion of a double; round that text half-to-even.
        string exact = Math.Abs(x).ToString("F" + (digits + 40), CultureInfo.InvariantCulture);
        int dot = exact.IndexOf('.');
        int keep = dot + 1 + (int)digits;
        var kept = new StringBuilder(exact[..keep].Replace(".", ""));
        string rest = exact[keep..];
        bool up = rest[0] > '5' || (rest[0] == '5' && (rest.AsSpan(1).IndexOfAnyExcept('0') >= 0 || (kept.Length > 0 && (kept[^1] - '0') % 2 == 1)));
        if (up)
        {
            int i = kept.Length - 1;
            while (i >= 0 && kept[i] == '9') { kept[i] = '0'; i--; }
            if (i >= 0) kept[i]++;
            else kept.Insert(0, '1');
        }
        string digitsText = kept.ToString();
        string number = digits == 0 ? digitsText : digitsText[..^(int)digits] + "." + digitsText[^(int)digits..];
        double result = double.Parse(number, CultureInfo.InvariantCulture);
        return x < 0 ? -result : result;
    }

    private static long RoundInt(long value, long digits)
    {
        if (digits >= 0) return value;
        if (digits < -18) return 0;
        long scale = (long)Math.Pow(10, -digits);
        long q = Math.DivRem(value, scale, out long r);
        long twice = Math.Abs(r) * 2;
        if (twice > scale || (twice == scale && q % 2 != 0)) q += Math.Sign(value);
        return q * scale;
    }

    private static JinjaValue FileSizeFormat(JinjaValue v, bool binary)
    {
        double bytes = v.IsNumber ? v.AsFloat : ToFloat(v, 0.0).AsFloat;
        int unitBase = binary ? 1024 : 1000;
        string[] prefixes = binary ? ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"] : ["kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
        if (bytes == 1) return "1 Byte";
        if (bytes < unitBase) return $"{(long)bytes} Bytes";
        for (int i = 0; i < prefixes.Length; i++)
        {
            double unit = Math.Pow(unitBase, i + 2);
            if (bytes < unit || i == prefixes.Length - 1)
                return (unitBase * bytes / unit).ToString("0.0", CultureInfo.InvariantCulture) + " " + prefixes[i];
        }
        return "";
    }
}
