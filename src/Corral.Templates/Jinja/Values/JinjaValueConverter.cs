using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Corral.Templates.Jinja;

/// <summary>
/// Builds template values from JSON (System.Text.Json DOM or elements) and plain CLR objects, keeping object key order.
/// JSON numbers without a fraction or exponent become ints (when they fit 64 bits), others floats, as Python's json module does.
/// </summary>
public static class JinjaValueConverter
{
    public static JinjaValue FromJsonNode(JsonNode? node)
    {
        switch (node)
        {
            case null: return JinjaValue.None;
            case JsonObject obj:
            {
                var dict = new JinjaDict();
                foreach (var (k, v) in obj) dict[k] = FromJsonNode(v);
                return JinjaValue.FromDict(dict);
            }
            case JsonArray arr:
            {
                var list = new JinjaList();
                foreach (var item in arr) list.Add(FromJsonNode(item));
                return JinjaValue.FromList(list);
            }
            case JsonValue value:
                if (value.TryGetValue<JsonElement>(out var element)) return FromJsonElement(element);
                if (value.TryGetValue<string>(out var s)) return JinjaValue.FromString(s);
                if (value.TryGetValue<bool>(out var b)) return JinjaValue.FromBool(b);
                if (value.TryGetValue<long>(out var l)) return JinjaValue.FromInt(l);
                if (value.TryGetValue<int>(out var i)) return JinjaValue.FromInt(i);
                if (value.TryGetValue<double>(out var d)) return JinjaValue.FromFloat(d);
                if (value.TryGetValue<decimal>(out var m)) return JinjaValue.FromFloat((double)m);
                return FromJsonElement(JsonSerializer.SerializeToElement(value));
            default:
                return FromJsonElement(JsonSerializer.SerializeToElement(node));
        }
    }

    public static JinjaValue FromJsonElement(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
            {
                var dict = new JinjaDict();
                foreach (var p in element.EnumerateObject()) dict[p.Name] = FromJsonElement(p.Value);
                return JinjaValue.FromDict(dict);
            }
            case JsonValueKind.Array:
            {
                var list = new JinjaList();
                foreach (var item in element.EnumerateArray()) list.Add(FromJsonElement(item));
                return JinjaValue.FromList(list);
            }
            case JsonValueKind.String: return JinjaValue.FromString(element.GetString()!);
            case JsonValueKind.True: return JinjaValue.True;
            case JsonValueKind.False: return JinjaValue.False;
            case JsonValueKind.Number: return ParseJsonNumber(element.GetRawText());
            default: return JinjaValue.None;
        }
    }

    /// <summary>Parses JSON text into a value (the <c>from_json</c> filter); malformed text is a ValueError.</summary>
    public static JinjaValue ParseJson(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return FromJsonElement(doc.RootElement);
        }
        catch (JsonException ex)
        {
            throw Errors.Value("invalid JSON: " + ex.Message);
        }
    }

    private static JinjaValue ParseJsonNumber(string raw)
    {
        if (raw.AsSpan().IndexOfAny(".eE") < 0 && long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
            return JinjaValue.FromInt(l);
        return JinjaValue.FromFloat(double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    /// <summary>Converts CLR values: strings, bools, integers, floating point, dictionaries (string keys), sequences, JSON types and <see cref="JinjaValue"/>.</summary>
    public static JinjaValue FromClr(object? value)
    {
        switch (value)
        {
            case null: return JinjaValue.None;
            case JinjaValue v: return v;
            case string s: return JinjaValue.FromString(s);
            case bool b: return JinjaValue.FromBool(b);
            case int i: return JinjaValue.FromInt(i);
            case long l: return JinjaValue.FromInt(l);
            case short sh: return JinjaValue.FromInt(sh);
            case byte by: return JinjaValue.FromInt(by);
            case uint ui: return JinjaValue.FromInt(ui);
            case ulong ul when ul <= long.MaxValue: return JinjaValue.FromInt((long)ul);
            case double d: return JinjaValue.FromFloat(d);
            case float f: return JinjaValue.FromFloat(f);
            case decimal m: return JinjaValue.FromFloat((double)m);
            case char c: return JinjaValue.FromString(c.ToString());
            case JsonNode node: return FromJsonNode(node);
            case JsonElement element: return FromJsonElement(element);
            case JinjaList list: return JinjaValue.FromList(list);
            case JinjaDict dict: return JinjaValue.FromDict(dict);
            case JinjaObject obj: return JinjaValue.FromObject(obj);
            case JinjaCallable callable: return JinjaValue.FromCallable(callable);
            case IDictionary dictionary:
            {
                var dict = new JinjaDict();
                foreach (DictionaryEntry e in dictionary) dict.Set(FromClr(e.Key), FromClr(e.Value));
                return JinjaValue.FromDict(dict);
            }
            case IEnumerable<KeyValuePair<string, object?>> pairs:
            {
                var dict = new JinjaDict();
                foreach (var (k, v) in pairs) dict[k] = FromClr(v);
                return JinjaValue.FromDict(dict);
            }
            case IEnumerable sequence:
            {
                var list = new JinjaList();
                foreach (var item in sequence) list.Add(FromClr(item));
                return JinjaValue.FromList(list);
            }
            default:
                throw new ArgumentException($"cannot convert a {value.GetType().Name} to a template value", nameof(value));
        }
    }

    /// <summary>Converts a value back to a JSON node (tuples become arrays; non-JSON values are an error).</summary>
    public static JsonNode? ToJsonNode(JinjaValue value)
    {
        switch (value.Kind)
        {
            case JinjaKind.None: return null;
            case JinjaKind.Bool: return JsonValue.Create(value.AsBool);
            case JinjaKind.Int: return JsonValue.Create(value.AsInt);
            case JinjaKind.Float: return JsonValue.Create(value.AsFloat);
            case JinjaKind.String: return JsonValue.Create(value.AsString);
            case JinjaKind.List:
            {
                var arr = new JsonArray();
                foreach (var item in value.AsList) arr.Add(ToJsonNode(item));
                return arr;
            }
            case JinjaKind.Dict:
            {
                var obj = new JsonObject();
                foreach (var (k, v) in value.AsDict) obj[PyFormat.Str(k)] = ToJsonNode(v);
                return obj;
            }
            default: throw Errors.NotSerializable(value);
        }
    }
}
