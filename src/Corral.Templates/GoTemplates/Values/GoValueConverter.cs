using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Corral.Templates.GoTemplates;

/// <summary>
/// Builds template data the way Go's <c>encoding/json</c> decodes into <c>any</c>: objects become
/// <c>map[string]interface {}</c>, arrays <c>[]interface {}</c>, numbers <c>float64</c>, null a nil interface.
/// </summary>
public static class GoValueConverter
{
    public static GoValue NilInterface => GoValue.Zero(GoType.Any);

    public static GoValue FromJson(JsonNode? node)
    {
        switch (node)
        {
            case null: return NilInterface;
            case JsonObject obj:
                return GoValue.Map(GoType.AnyMap, obj.Select(p => new KeyValuePair<string, GoValue>(p.Key, FromJson(p.Value))));
            case JsonArray arr:
                return GoValue.Slice(GoType.AnySlice, arr.Select(FromJson));
            default:
                return FromJsonElement(JsonSerializer.SerializeToElement(node));
        }
    }

    public static GoValue FromJsonElement(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => GoValue.Map(GoType.AnyMap, e.EnumerateObject().Select(p => new KeyValuePair<string, GoValue>(p.Name, FromJsonElement(p.Value)))),
        JsonValueKind.Array => GoValue.Slice(GoType.AnySlice, e.EnumerateArray().Select(FromJsonElement)),
        JsonValueKind.String => GoValue.String(e.GetString()!),
        JsonValueKind.Number => GoValue.Float(e.GetDouble()),
        JsonValueKind.True => GoValue.Bool(true),
        JsonValueKind.False => GoValue.Bool(false),
        _ => NilInterface,
    };

    /// <summary>CLR values: strings, bools, integers (<c>int</c>), floating point (<c>float64</c>), string-keyed dictionaries, sequences, JSON.</summary>
    public static GoValue FromClr(object? value) => value switch
    {
        null => NilInterface,
        GoValue v => v,
        string s => GoValue.String(s),
        bool b => GoValue.Bool(b),
        int i => GoValue.Int(i),
        long l => GoValue.Int(l),
        double d => GoValue.Float(d),
        float f => GoValue.Float(f),
        decimal m => GoValue.Float((double)m),
        JsonNode n => FromJson(n),
        JsonElement e => FromJsonElement(e),
        IDictionary dict => GoValue.Map(GoType.AnyMap, dict.Keys.Cast<object>().Select(k => new KeyValuePair<string, GoValue>(k.ToString()!, FromClr(dict[k])))),
        IEnumerable<KeyValuePair<string, object?>> pairs => GoValue.Map(GoType.AnyMap, pairs.Select(p => new KeyValuePair<string, GoValue>(p.Key, FromClr(p.Value)))),
        IEnumerable seq => GoValue.Slice(GoType.AnySlice, seq.Cast<object?>().Select(FromClr)),
        _ => throw new ArgumentException($"cannot convert a {value.GetType().Name} to a Go template value", nameof(value)),
    };
}
