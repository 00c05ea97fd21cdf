using System.Globalization;
using System.Text;

namespace Corral.Templates.GoTemplates;

/// <summary>
/// Go's <c>encoding/json.Marshal</c>: compact, map keys sorted, struct fields in declaration order honouring
/// <c>omitempty</c>, HTML-safe string escaping (<c>&lt; &gt; &amp;</c> as <c>\u003c \u003e \u0026</c>, U+2028/U+2029 escaped),
/// <c>[]byte</c> as base64, custom <c>MarshalJSON</c> methods.
/// </summary>
public static class GoJson
{
    /// <summary>Marshals <paramref name="v"/>; returns null where Go returns an error (NaN or infinite floats).</summary>
    public static string? Marshal(GoValue v)
    {
        var sb = new StringBuilder();
        return Write(sb, v) ? sb.ToString() : null;
    }

    private static bool Write(StringBuilder sb, GoValue v)
    {
        if (!v.IsValid || v.Kind == GoKind.Interface)
        {
            sb.Append("null");
            return true;
        }
        if (v.Type!.JsonMarshaler is { } marshal && !(v.Kind == GoKind.Pointer && v.IsNil))
        {
            sb.Append(marshal(v));
            return true;
        }
        switch (v.Kind)
        {
            case GoKind.Bool: sb.Append(v.AsBool ? "true" : "false"); return true;
            case GoKind.Int: sb.Append(v.AsInt.ToString(CultureInfo.InvariantCulture)); return true;
            case GoKind.Uint: sb.Append(v.AsUint.ToString(CultureInfo.InvariantCulture)); return true;
            case GoKind.Float:
            {
                string? f = FormatFloat(v.AsFloat);
                if (f == null) return false;
                sb.Append(f);
                return true;
            }
            case GoKind.String: AppendString(sb, v.AsString); return true;
            case GoKind.Pointer:
                if (v.IsNil) { sb.Append("null"); return true; }
                return Write(sb, v.PointerTarget);
            case GoKind.Slice:
            {
                if (v.IsNil) { sb.Append("null"); return true; }
                if (v.Type.IsByteSlice)
                {
                    var bytes = v.AsSlice.Select(b => (byte)b.AsUint).ToArray();
                    sb.Append('"').Append(Convert.ToBase64String(bytes)).Append('"');
                    return true;
                }
                sb.Append('[');
                for (int i = 0; i < v.AsSlice.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    if (!Write(sb, v.AsSlice[i])) return false;
                }
                sb.Append(']');
                return true;
            }
            case GoKind.Map:
            {
                if (v.IsNil) { sb.Append("null"); return true; }
                sb.Append('{');
                bool first = true;
                foreach (var (k, val) in v.SortedMapEntries())
                {
                    if (!first) sb.Append(',');
                    first = false;
                    AppendString(sb, k);
                    sb.Append(':');
                    if (!Write(sb, val)) return false;
                }
                sb.Append('}');
                return true;
            }
            case GoKind.Struct:
            {
                sb.Append('{');
                bool first = true;
                var fields = v.Type.Fields;
                for (int i = 0; i < fields.Count; i++)
                {
                    var field = fields[i];
                    if (field.JsonName == "-") continue;
                    var value = v.StructFields[i];
                    if (field.OmitEmpty && IsEmpty(value)) continue;
                    if (!first) sb.Append(',');
                    first = false;
                    AppendString(sb, field.JsonKey);
                    sb.Append(':');
                    if (!Write(sb, value)) return false;
                }
                sb.Append('}');
                return true;
            }
            default:
                sb.Append("null");
                return true;
        }
    }

    /// <summary>Marshals entries as a JSON object in the given order (for ordered-map types with a custom <c>MarshalJSON</c>).</summary>
    public static string? MarshalOrdered(IEnumerable<KeyValuePair<string, GoValue>> entries)
    {
        var sb = new StringBuilder("{");
        bool first = true;
        foreach (var (k, v) in entries)
        {
            if (!first) sb.Append(',');
            first = false;
            AppendString(sb, k);
            sb.Append(':');
            if (!Write(sb, v)) return null;
        }
        return sb.Append('}').ToString();
    }

    /// <summary>The <c>omitempty</c> test: false, 0, "", nil, and empty slices/maps.</summary>
    public static bool IsEmpty(GoValue v) => v.Kind switch
    {
        GoKind.Invalid or GoKind.Interface => true,
        GoKind.Bool => !v.AsBool,
        GoKind.Int => v.AsInt == 0,
        GoKind.Uint => v.AsUint == 0,
        GoKind.Float => v.AsFloat == 0,
        GoKind.String => v.AsString.Length == 0,
        GoKind.Slice => v.IsNil || v.AsSlice.Count == 0,
        GoKind.Map => v.IsNil || v.MapEntries.Count == 0,
        GoKind.Pointer => v.IsNil,
        _ => false,
    };

    /// <summary>Go's float encoding: shortest digits, exponent form below 1e-6 or from 1e21, exponent without leading zero.</summary>
    public static string? FormatFloat(double f)
    {
        if (double.IsNaN(f) || double.IsInfinity(f)) return null;
        double abs = Math.Abs(f);
        char format = abs != 0 && (abs < 1e-6 || abs >= 1e21) ? 'e' : 'f';
        string s = GoFormat.FormatFloat(f, format, -1);
        if (format == 'e')
        {
            int n = s.Length;
            if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') s = s[..(n - 2)] + s[n - 1];
        }
        return s;
    }

    /// <summary>A JSON string with Go's HTML-safe escaping.</summary>
    public static void AppendString(StringBuilder sb, string s)
    {
        sb.Append('"');
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else if (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) && !(char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(s[i - 1])))
                        sb.Append("\\ufffd"); // invalid UTF-16 becomes U+FFFD, as invalid UTF-8 does in Go
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
