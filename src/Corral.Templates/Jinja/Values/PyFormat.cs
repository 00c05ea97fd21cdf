using System.Globalization;
using System.Text;

namespace Corral.Templates.Jinja;

/// <summary>Python's <c>str()</c>, <c>repr()</c> and type names for template values.</summary>
internal static class PyFormat
{
    /// <summary>Python <c>str(v)</c>, with Jinja2's rule that undefined prints as <c>""</c>.</summary>
    public static string Str(JinjaValue v) => v.Kind switch
    {
        JinjaKind.Undefined => "",
        JinjaKind.String => v.AsString,
        _ => Repr(v),
    };

    public static string Repr(JinjaValue v)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, v);
        return sb.ToString();
    }

    public static void AppendRepr(StringBuilder sb, JinjaValue v)
    {
        switch (v.Kind)
        {
            case JinjaKind.Undefined: sb.Append("Undefined"); break;
            case JinjaKind.None: sb.Append("None"); break;
            case JinjaKind.Bool: sb.Append(v.AsBool ? "True" : "False"); break;
            case JinjaKind.Int: sb.Append(v.AsInt.ToString(CultureInfo.InvariantCulture)); break;
            case JinjaKind.Float: sb.Append(FloatRepr(v.AsFloat)); break;
            case JinjaKind.String:
                if (v.IsMarkup) sb.Append("Markup(");
                AppendStringRepr(sb, v.AsString);
                if (v.IsMarkup) sb.Append(')');
                break;
            case JinjaKind.List: AppendListRepr(sb, v.AsList); break;
            case JinjaKind.Dict:
            {
                sb.Append('{');
                bool first = true;
                foreach (var (k, val) in v.AsDict)
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    AppendRepr(sb, k);
                    sb.Append(": ");
                    AppendRepr(sb, val);
                }
                sb.Append('}');
                break;
            }
            case JinjaKind.Object: sb.Append(v.AsObject.Repr()); break;
            case JinjaKind.Callable: sb.Append(v.AsCallable.Repr()); break;
            default: sb.Append('<').Append(v.AsIterator.PythonTypeName).Append(" object>"); break;
        }
    }

    private static void AppendListRepr(StringBuilder sb, JinjaList list)
    {
        string open = "[", close = "]";
        switch (list.Flavor)
        {
            case ListFlavor.Tuple: open = "("; close = list.Count == 1 ? ",)" : ")"; break;
            case ListFlavor.DictKeys: open = "dict_keys(["; close = "])"; break;
            case ListFlavor.DictValues: open = "dict_values(["; close = "])"; break;
            case ListFlavor.DictItems: open = "dict_items(["; close = "])"; break;
        }
        sb.Append(open);
        for (int i = 0; i < list.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            AppendRepr(sb, list[i]);
        }
        sb.Append(close);
    }

    /// <summary>Python string repr: single quotes unless the text has a <c>'</c> and no <c>"</c>.</summary>
    public static void AppendStringRepr(StringBuilder sb, string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        sb.Append(quote);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == quote || c == '\\') { sb.Append('\\').Append(c); continue; }
            if (c == '\n') { sb.Append("\\n"); continue; }
            if (c == '\r') { sb.Append("\\r"); continue; }
            if (c == '\t') { sb.Append("\\t"); continue; }
            if (c < ' ' || c == '\x7f') { sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); continue; }
            if (c < 0x7f) { sb.Append(c); continue; }
            int cp = c;
            int width = 1;
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                cp = char.ConvertToUtf32(c, s[i + 1]);
                width = 2;
            }
            if (IsPrintable(cp)) sb.Append(s, i, width);
            else if (cp <= 0xff) sb.Append("\\x").Append(cp.ToString("x2", CultureInfo.InvariantCulture));
            else if (cp <= 0xffff) sb.Append("\\u").Append(cp.ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append("\\U").Append(cp.ToString("x8", CultureInfo.InvariantCulture));
            i += width - 1;
        }
        sb.Append(quote);
    }

    private static bool IsPrintable(int codePoint)
    {
        var cat = CharUnicodeInfo.GetUnicodeCategory(codePoint);
        return cat switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }

    /// <summary>Python <c>repr(float)</c>: shortest round-trip digits, fixed notation for 1e-4 ≤ |x| &lt; 1e16.</summary>
    public static string FloatRepr(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";

        string r = d.ToString("R", CultureInfo.InvariantCulture);
        bool negative = r[0] == '-';
        if (negative) r = r[1..];
        int exponent = 0;
        int e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        int dot = r.IndexOf('.');
        string digits = dot < 0 ? r : r.Remove(dot, 1);
        int decpt = (dot < 0 ? r.Length : dot) + exponent;
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        digits = digits[lead..];
        decpt -= lead;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";

        var sb = new StringBuilder();
        if (negative) sb.Append('-');
        if (decpt > -4 && decpt <= 16)
        {
            if (decpt <= 0) sb.Append("0.").Append('0', -decpt).Append(digits);
            else if (decpt >= digits.Length) sb.Append(digits).Append('0', decpt - digits.Length).Append(".0");
            else sb.Append(digits, 0, decpt).Append('.').Append(digits, decpt, digits.Length - decpt);
        }
        else
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            int exp = decpt - 1;
            sb.Append('e').Append(exp < 0 ? '-' : '+').Append(Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Python <c>type(v).__name__</c>.</summary>
    public static string TypeName(JinjaValue v)
    {
        string q = QualifiedTypeName(v);
        int dot = q.LastIndexOf('.');
        return dot < 0 ? q : q[(dot + 1)..];
    }

    private static string QualifiedTypeName(JinjaValue v) => v.Kind switch
    {
        JinjaKind.Undefined => "jinja2.runtime.Undefined",
        JinjaKind.None => "NoneType",
        JinjaKind.Bool => "bool",
        JinjaKind.Int => "int",
        JinjaKind.Float => "float",
        JinjaKind.String => v.IsMarkup ? "markupsafe.Markup" : "str",
        JinjaKind.List => v.AsList.PythonTypeName,
        JinjaKind.Dict => "dict",
        JinjaKind.Object => v.AsObject.PythonTypeName,
        JinjaKind.Callable => v.AsCallable.PythonTypeName,
        _ => v.AsIterator.PythonTypeName,
    };

    /// <summary>Jinja2's <c>object_type_repr</c>: <c>dict object</c>, <c>jinja2.utils.Namespace object</c>, <c>None</c>.</summary>
    public static string ObjectTypeRepr(JinjaValue v) => v.IsNone ? "None" : QualifiedTypeName(v) + " object";
}
