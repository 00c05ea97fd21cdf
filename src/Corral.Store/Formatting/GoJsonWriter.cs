using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Corral.Store;

/// <summary>
/// Writes compact JSON exactly as Go's <c>encoding/json</c> encoder does, so files Corral writes (manifests, config
/// and params blobs) get the same bytes, and therefore the same digests, as upstream's: <c>&lt;</c>, <c>&gt;</c>,
/// <c>&amp;</c>, U+2028 and U+2029 escaped as <c>\u003c</c>…; maps with sorted keys; numbers decoded into
/// <c>any</c> re-encoded as float64.
/// </summary>
public sealed class GoJsonWriter
{
    private readonly StringBuilder _sb = new();
    private readonly Stack<bool> _first = new();
    private bool _afterName;

    public GoJsonWriter BeginObject() { BeforeValue(); _sb.Append('{'); _first.Push(true); return this; }

    public GoJsonWriter EndObject() { _first.Pop(); _sb.Append('}'); return this; }

    public GoJsonWriter BeginArray() { BeforeValue(); _sb.Append('['); _first.Push(true); return this; }

    public GoJsonWriter EndArray() { _first.Pop(); _sb.Append(']'); return this; }

    public GoJsonWriter Name(string name)
    {
        BeforeValue();
        AppendString(_sb, name);
        _sb.Append(':');
        _afterName = true;
        return this;
    }

    public GoJsonWriter String(string value) { BeforeValue(); AppendString(_sb, value); return this; }

    public GoJsonWriter Number(long value) { BeforeValue(); _sb.Append(value.ToString(CultureInfo.InvariantCulture)); return this; }

    public GoJsonWriter Float64(double value) { BeforeValue(); _sb.Append(GoFormat.FormatJsonFloat(value)); return this; }

    public GoJsonWriter Bool(bool value) { BeforeValue(); _sb.Append(value ? "true" : "false"); return this; }

    public GoJsonWriter Null() { BeforeValue(); _sb.Append("null"); return this; }

    /// <summary>A string array, or <c>null</c> for a null list (Go's nil slice).</summary>
    public GoJsonWriter StringArray(IEnumerable<string>? values)
    {
        if (values is null) return Null();
        BeginArray();
        foreach (var v in values) String(v);
        return EndArray();
    }

    /// <summary>
    /// A value decoded into Go's <c>any</c> and encoded again: objects as maps (keys sorted by UTF-8 bytes), numbers
    /// as float64, strings re-escaped.
    /// </summary>
    public GoJsonWriter AnyValue(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                BeginObject();
                var props = new List<(string Key, JsonElement Value)>();
                var index = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var p in value.EnumerateObject())
                {
                    // Duplicate keys: the last one wins, as when Go decodes into a map.
                    if (index.TryGetValue(p.Name, out int at)) props[at] = (p.Name, p.Value);
                    else { index[p.Name] = props.Count; props.Add((p.Name, p.Value)); }
                }
                props.Sort((a, b) => CompareUtf8(a.Key, b.Key));
                foreach (var (k, v) in props) Name(k).AnyValue(v);
                return EndObject();
            case JsonValueKind.Array:
                BeginArray();
                foreach (var item in value.EnumerateArray()) AnyValue(item);
                return EndArray();
            case JsonValueKind.String:
                return String(value.GetString()!);
            case JsonValueKind.Number:
                return Float64(value.GetDouble());
            case JsonValueKind.True:
                return Bool(true);
            case JsonValueKind.False:
                return Bool(false);
            default:
                return Null();
        }
    }

    /// <summary>
    /// A value written in document order (struct-like): object keys keep their order, numbers keep their literal text,
    /// strings are re-escaped the Go way. For carrying through data whose exact shape is not Corral's concern.
    /// </summary>
    public GoJsonWriter OrderedValue(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                BeginObject();
                foreach (var p in value.EnumerateObject()) Name(p.Name).OrderedValue(p.Value);
                return EndObject();
            case JsonValueKind.Array:
                BeginArray();
                foreach (var item in value.EnumerateArray()) OrderedValue(item);
                return EndArray();
            case JsonValueKind.String:
                return String(value.GetString()!);
            case JsonValueKind.Number:
                return Raw(value.GetRawText());
            case JsonValueKind.True:
                return Bool(true);
            case JsonValueKind.False:
                return Bool(false);
            default:
                return Null();
        }
    }

    /// <summary>Appends already-encoded JSON verbatim (for values carried through untouched).</summary>
    public GoJsonWriter Raw(string json) { BeforeValue(); _sb.Append(json); return this; }

    public override string ToString() => _sb.ToString();

    /// <summary>The document followed by <c>\n</c>, as <c>json.Encoder.Encode</c> writes it.</summary>
    public string ToStringWithNewline() => _sb.ToString() + "\n";

    public byte[] ToUtf8WithNewline() => Encoding.UTF8.GetBytes(ToStringWithNewline());

    /// <summary>A JSON string literal with Go's escaping.</summary>
    public static string EncodeString(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        AppendString(sb, s);
        return sb.ToString();
    }

    /// <summary>Ordinal comparison of the UTF-8 encodings (Go sorts map keys as byte strings).</summary>
    public static int CompareUtf8(string a, string b)
    {
        // UTF-16 ordinal order differs from UTF-8 byte order only for supplementary vs U+E000–U+FFFF characters.
        return Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));
    }

    private void BeforeValue()
    {
        if (_afterName)
        {
            _afterName = false;
            return;
        }
        if (_first.Count > 0)
        {
            if (!_first.Peek()) _sb.Append(',');
            _first.Pop();
            _first.Push(false);
        }
    }

    private static void AppendString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var rune in GoFormat.EnumerateRunes(s))
        {
            int r = rune.Value;
            switch (r)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '<' or '>' or '&' or 0x2028 or 0x2029:
                    sb.Append("\\u").Append(r.ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (r < 0x20) sb.Append("\\u").Append(r.ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(rune.ToString());
                    break;
            }
        }
        sb.Append('"');
    }
}
