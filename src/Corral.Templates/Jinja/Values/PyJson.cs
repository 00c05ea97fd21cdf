using System.Globalization;
using System.Text;

namespace Corral.Templates.Jinja;

/// <summary>Python's <c>json.dumps</c> (what Hugging Face's <c>tojson</c> filter calls), byte for byte.</summary>
internal static class PyJson
{
    private const int MaxDepth = 512;

    public sealed record Options(bool EnsureAscii = false, string? Indent = null, string? ItemSeparator = null, string? KeySeparator = null, bool SortKeys = false);

    public static string Dumps(JinjaValue value, Options options)
    {
        string itemSep = options.ItemSeparator ?? (options.Indent != null ? "," : ", ");
        string keySep = options.KeySeparator ?? ": ";
        var writer = new Writer(options, itemSep, keySep);
        writer.Write(value, 0);
        return writer.ToString();
    }

    /// <summary>Python's <c>encode_basestring</c> / <c>encode_basestring_ascii</c>.</summary>
    public static void AppendString(StringBuilder sb, string s, bool ensureAscii)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < ' ' || (ensureAscii && c > '~'))
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    public static string FloatText(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsPositiveInfinity(d)) return "Infinity";
        if (double.IsNegativeInfinity(d)) return "-Infinity";
        return PyFormat.FloatRepr(d);
    }

    private sealed class Writer(Options options, string itemSep, string keySep)
    {
        private readonly StringBuilder _sb = new();

        public override string ToString() => _sb.ToString();

        public void Write(JinjaValue v, int depth)
        {
            if (depth > MaxDepth) throw Errors.Value("Circular reference detected");
            switch (v.Kind)
            {
                case JinjaKind.None: _sb.Append("null"); break;
                case JinjaKind.Bool: _sb.Append(v.AsBool ? "true" : "false"); break;
                case JinjaKind.Int: _sb.Append(v.AsInt.ToString(CultureInfo.InvariantCulture)); break;
                case JinjaKind.Float: _sb.Append(FloatText(v.AsFloat)); break;
                case JinjaKind.String: AppendString(_sb, v.AsString, options.EnsureAscii); break;
                case JinjaKind.List when v.AsList.Flavor is ListFlavor.List or ListFlavor.Tuple:
                    WriteList(v.AsList, depth);
                    break;
                case JinjaKind.Dict: WriteDict(v.AsDict, depth); break;
                default: throw Errors.NotSerializable(v);
            }
        }

        private void NewLine(int level)
        {
            if (options.Indent == null) return;
            _sb.Append('\n');
            for (int i = 0; i < level; i++) _sb.Append(options.Indent);
        }

        private void WriteList(JinjaList list, int depth)
        {
            if (list.Count == 0) { _sb.Append("[]"); return; }
            _sb.Append('[');
            NewLine(depth + 1);
            for (int i = 0; i < list.Count; i++)
            {
                if (i > 0) { _sb.Append(itemSep); NewLine(depth + 1); }
                Write(list[i], depth + 1);
            }
            NewLine(depth);
            _sb.Append(']');
        }

        private void WriteDict(JinjaDict dict, int depth)
        {
            if (dict.Count == 0) { _sb.Append("{}"); return; }
            var entries = dict.ToArray();
            if (options.SortKeys)
            {
                var keys = entries.Select(e => e.Key).ToList();
                PyEquality.StableSort(keys, (a, b) => PyEquality.Compare(a, b, "<"));
                var lookup = entries.ToDictionary(e => e.Key, e => e.Value, PyEquality.Comparer);
                entries = keys.Select(k => new KeyValuePair<JinjaValue, JinjaValue>(k, lookup[k])).ToArray();
            }
            _sb.Append('{');
            NewLine(depth + 1);
            for (int i = 0; i < entries.Length; i++)
            {
                if (i > 0) { _sb.Append(itemSep); NewLine(depth + 1); }
                AppendString(_sb, KeyText(entries[i].Key), options.EnsureAscii);
                _sb.Append(keySep);
                Write(entries[i].Value, depth + 1);
            }
            NewLine(depth);
            _sb.Append('}');
        }

        private static string KeyText(JinjaValue key) => key.Kind switch
        {
            JinjaKind.String => key.AsString,
            JinjaKind.Float => FloatText(key.AsFloat),
            JinjaKind.Bool => key.AsBool ? "true" : "false",
            JinjaKind.None => "null",
            JinjaKind.Int => key.AsInt.ToString(CultureInfo.InvariantCulture),
            _ => throw Errors.Type($"keys must be str, int, float, bool or None, not {PyFormat.TypeName(key)}"),
        };
    }
}
