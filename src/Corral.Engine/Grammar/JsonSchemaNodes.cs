using System.Text.Json;

namespace Corral.Engine.Grammar;

/// <summary>
/// A JSON Schema lowered to the subset the grammar converter enforces (the model of llama.cpp's
/// <c>common/json-schema.h</c>). Every node keeps the JSON pointer it came from for error messages.
/// </summary>
internal abstract record SchemaNode(string Path);

/// <summary>Any JSON value.</summary>
internal sealed record AnySchema(string Path) : SchemaNode(Path);

/// <summary>A local <c>$ref</c>; the target is looked up in <see cref="LoweredSchema.Refs"/>.</summary>
internal sealed record RefSchema(string Path, string Ref) : SchemaNode(Path);

/// <summary><c>anyOf</c>, <c>oneOf</c>, or a <c>type</c> array expanded to one alternative per type.</summary>
internal sealed record AnyOfSchema(string Path, IReadOnlyList<SchemaNode> Alternatives) : SchemaNode(Path);

/// <summary><c>allOf</c>, merged by the converter (object properties, or intersected enums).</summary>
internal sealed record AllOfSchema(string Path, IReadOnlyList<SchemaNode> Components) : SchemaNode(Path);

/// <summary><c>const</c>, or <c>enum</c> with its values in schema order, as compact JSON texts.</summary>
internal sealed record EnumSchema(string Path, IReadOnlyList<string> Values, bool IsConst) : SchemaNode(Path);

internal sealed record NullSchema(string Path) : SchemaNode(Path);

internal sealed record BooleanSchema(string Path) : SchemaNode(Path);

/// <summary>A number, optionally bounded (then written without exponent).</summary>
internal sealed record NumberSchema(string Path, NumberRangeGbnf.Bound? Minimum = null, NumberRangeGbnf.Bound? Maximum = null) : SchemaNode(Path);

/// <summary>An integer with inclusive bounds (<see cref="long.MinValue"/>/<see cref="long.MaxValue"/> when unbounded).</summary>
internal sealed record IntegerSchema(string Path, long Minimum, long Maximum) : SchemaNode(Path);

internal enum StringFormat { None, Uuid, Date, Time, DateTime }

/// <summary>A string; <see cref="MaxLength"/> is −1 when unbounded, <see cref="Pattern"/> null when absent.</summary>
internal sealed record StringSchema(string Path, string? Pattern, StringFormat Format, int MinLength, int MaxLength) : SchemaNode(Path);

/// <summary>An array of <see cref="Items"/>; <see cref="MaxItems"/> is −1 when unbounded.</summary>
internal sealed record ArraySchema(string Path, SchemaNode Items, int MinItems, int MaxItems) : SchemaNode(Path);

/// <summary>A fixed-length array (<c>prefixItems</c>, or an <c>items</c> array).</summary>
internal sealed record TupleSchema(string Path, IReadOnlyList<SchemaNode> Items) : SchemaNode(Path);

internal sealed record SchemaProperty(string Name, SchemaNode Schema, bool Required);

/// <summary>
/// An object with declared properties in schema order; <see cref="Additional"/> is null when other keys are not
/// allowed. <see cref="ClosedBySchema"/> says the schema itself restricts other keys (<c>additionalProperties</c>
/// false or a schema), as opposed to the converter's default of allowing no undeclared key.
/// </summary>
internal sealed record ObjectSchema(string Path, IReadOnlyList<SchemaProperty> Properties, SchemaNode? Additional, bool ClosedBySchema) : SchemaNode(Path);

/// <summary>The lowered root and the targets of its <c>$ref</c>s, by reference text.</summary>
internal sealed record LoweredSchema(SchemaNode Root, IReadOnlyDictionary<string, SchemaNode> Refs)
{
    /// <summary>Follows <c>$ref</c> chains to a non-reference node (null for a cycle of bare references).</summary>
    public SchemaNode? Resolve(SchemaNode node)
    {
        for (int hops = 0; node is RefSchema r; hops++)
        {
            if (hops > Refs.Count) return null;
            node = Refs[r.Ref];
        }
        return node;
    }
}

/// <summary>Helpers shared by the lowering and the converter.</summary>
internal static class JsonValueText
{
    /// <summary>
    /// Compact JSON text of <paramref name="value"/> the way nlohmann::json's <c>dump()</c> writes it: keys in order,
    /// no spaces, strings escaped only where JSON requires (plus \b \f), non-ASCII kept as is.
    /// </summary>
    public static string Dump(JsonElement value)
    {
        var sb = new System.Text.StringBuilder();
        Write(sb, value);
        return sb.ToString();
    }

    private static void Write(System.Text.StringBuilder sb, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                sb.Append('{');
                bool first = true;
                foreach (var p in value.EnumerateObject())
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, p.Name);
                    sb.Append(':');
                    Write(sb, p.Value);
                }
                sb.Append('}');
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                bool firstItem = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!firstItem) sb.Append(',');
                    firstItem = false;
                    Write(sb, item);
                }
                sb.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(sb, value.GetString()!);
                break;
            case JsonValueKind.Number:
                sb.Append(NumberText(value));
                break;
            case JsonValueKind.True:
                sb.Append("true");
                break;
            case JsonValueKind.False:
                sb.Append("false");
                break;
            default:
                sb.Append("null");
                break;
        }
    }

    public static void WriteString(System.Text.StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append(@"\\"); break;
                case '\b': sb.Append(@"\b"); break;
                case '\f': sb.Append(@"\f"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                default:
                    if (c < 0x20) sb.Append(@"\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    /// <summary>Integers as written; other numbers in the shortest round-trip form (integral doubles keep ".0").</summary>
    private static string NumberText(JsonElement value)
    {
        string raw = value.GetRawText();
        if (raw.AsSpan().IndexOfAny(".eE") < 0 && (value.TryGetInt64(out _) || value.TryGetUInt64(out _)))
            return raw == "-0" ? "0" : raw;
        double d = value.GetDouble();
        if (double.IsInteger(d) && Math.Abs(d) < 1e15) return d.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) + ".0";
        return d.ToString("R", System.Globalization.CultureInfo.InvariantCulture).Replace('E', 'e');
    }

    /// <summary>The JSON types a value has ("integer" values are numbers too).</summary>
    public static JsonTypes TypesOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => JsonTypes.Null,
        JsonValueKind.True or JsonValueKind.False => JsonTypes.Boolean,
        JsonValueKind.String => JsonTypes.String,
        JsonValueKind.Array => JsonTypes.Array,
        JsonValueKind.Object => JsonTypes.Object,
        _ => double.IsInteger(value.GetDouble()) ? JsonTypes.Number | JsonTypes.Integer : JsonTypes.Number,
    };
}

/// <summary>JSON value types, as a set.</summary>
[Flags]
internal enum JsonTypes
{
    None = 0,
    Null = 1,
    Boolean = 2,
    Number = 4,
    Integer = 8,
    String = 16,
    Array = 32,
    Object = 64,
    All = Null | Boolean | Number | Integer | String | Array | Object,
}
