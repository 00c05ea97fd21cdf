using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Corral.Engine.Grammar;

/// <summary>
/// Lowers a JSON Schema to <see cref="SchemaNode"/>s, choosing each node's kind with llama.cpp's precedence
/// (<c>$ref</c>, <c>anyOf</c>/<c>oneOf</c>, <c>type</c> arrays, <c>const</c>, <c>enum</c>, then by type or by the
/// structural keywords present). Unlike llama.cpp, which ignores what it cannot express, every validation keyword
/// the chosen node does not enforce and that could constrain the values it produces is rejected with a
/// <see cref="JsonSchemaConversionException"/> naming the keyword and its JSON pointer. Annotations (title,
/// description, default, examples, format names without a grammar, …) and unknown keywords are ignored, as
/// JSON Schema itself ignores them.
/// </summary>
internal sealed class JsonSchemaLowering
{
    private static readonly HashSet<string> s_objectKeywords =
    [
        "properties", "required", "additionalProperties", "patternProperties", "propertyNames", "minProperties",
        "maxProperties", "dependentRequired", "dependentSchemas", "dependencies", "unevaluatedProperties",
    ];

    private static readonly HashSet<string> s_arrayKeywords =
    [
        "items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains", "minContains",
        "maxContains", "unevaluatedItems",
    ];

    private static readonly HashSet<string> s_stringKeywords = ["minLength", "maxLength", "pattern"];

    private static readonly HashSet<string> s_numericKeywords = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"];

    private static readonly HashSet<string> s_generalKeywords =
    [
        "type", "enum", "const", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "$ref", "$dynamicRef", "$recursiveRef",
    ];

    private static readonly Dictionary<string, string> s_whyUnsupported = new()
    {
        ["not"] = "a grammar cannot express 'not'",
        ["if"] = "conditional schemas are not supported",
        ["then"] = "conditional schemas are not supported",
        ["else"] = "conditional schemas are not supported",
        ["uniqueItems"] = "a grammar cannot make array items distinct",
        ["contains"] = "'contains' is not supported",
        ["minContains"] = "'contains' is not supported",
        ["maxContains"] = "'contains' is not supported",
        ["patternProperties"] = "'patternProperties' is not supported",
        ["propertyNames"] = "'propertyNames' is not supported",
        ["minProperties"] = "property counts are not supported",
        ["maxProperties"] = "property counts are not supported",
        ["dependentRequired"] = "dependent properties are not supported",
        ["dependentSchemas"] = "dependent schemas are not supported",
        ["dependencies"] = "dependent properties are not supported",
        ["unevaluatedProperties"] = "'unevaluatedProperties' is not supported",
        ["unevaluatedItems"] = "'unevaluatedItems' is not supported",
        ["multipleOf"] = "'multipleOf' is not supported",
        ["$dynamicRef"] = "dynamic references are not supported",
        ["$recursiveRef"] = "recursive references are not supported",
    };

    private readonly JsonElement _root;
    private readonly Dictionary<string, SchemaNode?> _refs = new(StringComparer.Ordinal);
    private readonly List<(AnyOfSchema Node, string Keyword)> _oneOfs = [];
    private readonly List<(AllOfSchema Node, string? Type)> _allOfs = [];

    private JsonSchemaLowering(JsonElement root) => _root = root;

    public static LoweredSchema Lower(JsonElement root)
    {
        var lowering = new JsonSchemaLowering(root);
        var node = lowering.Build(root, "#");
        var refs = lowering._refs.ToDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.Ordinal);
        var lowered = new LoweredSchema(node, refs);
        foreach (var (reference, target) in refs)
        {
            if (lowered.Resolve(target) == null) throw Reject(reference, "$ref", "references that only refer to each other describe no value");
        }
        foreach (var (allOf, type) in lowering._allOfs) CheckAllOf(lowered, allOf, type);
        foreach (var (oneOf, keyword) in lowering._oneOfs) CheckDisjoint(lowered, oneOf, keyword);
        return lowered;
    }

    private SchemaNode Build(JsonElement schema, string path, string? typeOverride = null)
    {
        if (schema.ValueKind == JsonValueKind.True) return new AnySchema(path);
        if (schema.ValueKind == JsonValueKind.False) throw Reject(path, "false", "the schema 'false' allows no value");
        if (schema.ValueKind != JsonValueKind.Object) throw Reject(path, "schema", $"a schema must be an object or a boolean, not {Describe(schema)}");
        RejectDuplicateKeys(schema, path);

        if (schema.TryGetProperty("$ref", out var refValue))
        {
            RejectUnconsumed(schema, path, JsonTypes.All, "$ref");
            if (refValue.ValueKind != JsonValueKind.String) throw Reject(path, "$ref", "$ref must be a string");
            return BuildRef(refValue.GetString()!, path);
        }

        bool hasOneOf = schema.TryGetProperty("oneOf", out var oneOf);
        bool hasAnyOf = schema.TryGetProperty("anyOf", out var anyOf);
        if (hasOneOf || hasAnyOf)
        {
            if (hasOneOf && hasAnyOf) throw Reject(path, "oneOf", "'anyOf' and 'oneOf' in the same schema are not supported");
            string key = hasOneOf ? "oneOf" : "anyOf";
            RejectUnconsumed(schema, path, JsonTypes.All, key);
            var alternatives = BuildList(hasOneOf ? oneOf : anyOf, path, key);
            var node = new AnyOfSchema(path, alternatives);
            if (hasOneOf) _oneOfs.Add((node, key));
            return node;
        }

        JsonElement type = default;
        bool hasType = typeOverride == null && schema.TryGetProperty("type", out type);
        var allowedTypes = JsonTypes.All;
        if (hasType)
        {
            if (type.ValueKind == JsonValueKind.String) allowedTypes = TypeSet([type], path);
            else if (type.ValueKind == JsonValueKind.Array && type.GetArrayLength() > 0) allowedTypes = TypeSet([.. type.EnumerateArray()], path);
            else throw Reject(path, "type", "'type' must be a string or a non-empty array of strings");
        }
        if (typeOverride != null) allowedTypes = TypesOfName(typeOverride);

        if (schema.TryGetProperty("const", out var constValue))
        {
            string text = JsonValueText.Dump(constValue);
            if (schema.TryGetProperty("enum", out var enumValues) && (enumValues.ValueKind != JsonValueKind.Array || !enumValues.EnumerateArray().Any(v => JsonValueText.Dump(v) == text)))
                throw Reject(path, "enum", "the 'const' value is not in 'enum'; no value satisfies both");
            if ((JsonValueText.TypesOf(constValue) & allowedTypes) == 0)
                throw Reject(path, "const", "the 'const' value does not have the schema's 'type'; no value satisfies both");
            RejectUnconsumed(schema, path, JsonValueText.TypesOf(constValue), "const", "enum", "type");
            return new EnumSchema(path, [text], IsConst: true);
        }

        if (schema.TryGetProperty("enum", out var values))
        {
            if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0) throw Reject(path, "enum", "'enum' must be a non-empty array");
            var kept = new List<string>();
            var types = JsonTypes.None;
            foreach (var v in values.EnumerateArray())
            {
                if ((JsonValueText.TypesOf(v) & allowedTypes) == 0) continue; // 'type' rules it out
                kept.Add(JsonValueText.Dump(v));
                types |= JsonValueText.TypesOf(v);
            }
            if (kept.Count == 0) throw Reject(path, "enum", "no 'enum' value has the schema's 'type'");
            RejectUnconsumed(schema, path, types, "enum", "type");
            return new EnumSchema(path, kept, IsConst: false);
        }

        if (hasType && type.ValueKind == JsonValueKind.Array)
        {
            // {"type": ["a", "b"], …} is {"anyOf": [{"type": "a", …}, {"type": "b", …}]}
            var alternatives = new List<SchemaNode>();
            int i = 0;
            foreach (var t in type.EnumerateArray()) alternatives.Add(Build(schema, $"{path}/type/{i++}", t.GetString()));
            return new AnyOfSchema(path, alternatives);
        }
        string? typeName = typeOverride ?? (hasType ? type.GetString() : null);

        bool hasProperties = schema.TryGetProperty("properties", out _) ||
            (schema.TryGetProperty("additionalProperties", out var ap) && ap.ValueKind != JsonValueKind.True);
        bool hasAllOf = schema.TryGetProperty("allOf", out _);

        switch (typeName)
        {
            case null:
                // Without a type the structural keywords decide, in llama.cpp's order.
                if (hasProperties) return BuildObject(schema, path);
                if (hasAllOf) return BuildAllOf(schema, path, typeName);
                if (Has(schema, "items") || Has(schema, "prefixItems")) return BuildArray(schema, path);
                if (Has(schema, "pattern") || Has(schema, "minLength") || Has(schema, "maxLength") || FormatOf(schema, path) != StringFormat.None)
                    return BuildString(schema, path);
                RejectUnconsumed(schema, path, JsonTypes.All);
                return new AnySchema(path);
            case "object":
                return !hasProperties && hasAllOf ? BuildAllOf(schema, path, typeName) : BuildObject(schema, path);
            case "string":
                return hasAllOf ? BuildAllOf(schema, path, typeName) : BuildString(schema, path);
            case "array":
                return BuildArray(schema, path);
            case "integer":
                return BuildInteger(schema, path);
            case "number":
                return BuildNumber(schema, path);
            case "boolean":
                RejectUnconsumed(schema, path, JsonTypes.Boolean, "type");
                return new BooleanSchema(path);
            default:
                RejectUnconsumed(schema, path, JsonTypes.Null, "type");
                return new NullSchema(path);
        }
    }

    private List<SchemaNode> BuildList(JsonElement array, string path, string key)
    {
        if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() == 0) throw Reject(path, key, $"'{key}' must be a non-empty array of schemas");
        var nodes = new List<SchemaNode>();
        int i = 0;
        foreach (var item in array.EnumerateArray()) nodes.Add(Build(item, $"{path}/{key}/{i++}"));
        return nodes;
    }

    private SchemaNode BuildRef(string reference, string path)
    {
        if (!reference.StartsWith('#'))
            throw Reject(path, "$ref", $"remote reference '{reference}' is not supported; only references into the same schema (#/$defs/…) are");
        if (!_refs.ContainsKey(reference))
        {
            var target = ResolvePointer(reference) ?? throw Reject(path, "$ref", $"reference '{reference}' does not point into the schema");
            _refs[reference] = null; // reserved first, so that a cycle back to this reference stops here
            _refs[reference] = Build(target, reference);
        }
        return new RefSchema(path, reference);
    }

    private JsonElement? ResolvePointer(string reference)
    {
        string pointer = Uri.UnescapeDataString(reference[1..]);
        var target = _root;
        if (pointer.Length == 0) return target;
        if (pointer[0] != '/') return null; // an anchor name: not supported
        foreach (string raw in pointer[1..].Split('/'))
        {
            string segment = raw.Replace("~1", "/").Replace("~0", "~");
            if (target.ValueKind == JsonValueKind.Object && target.TryGetProperty(segment, out var child)) target = child;
            else if (target.ValueKind == JsonValueKind.Array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < target.GetArrayLength()) target = target[index];
            else return null;
        }
        return target;
    }

    private ObjectSchema BuildObject(JsonElement schema, string path)
    {
        RejectUnconsumed(schema, path, JsonTypes.Object, "type", "properties", "required", "additionalProperties");

        var required = new HashSet<string>(StringComparer.Ordinal);
        if (schema.TryGetProperty("required", out var req))
        {
            if (req.ValueKind != JsonValueKind.Array || req.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String))
                throw Reject(path, "required", "'required' must be an array of strings");
            foreach (var r in req.EnumerateArray()) required.Add(r.GetString()!);
        }

        var properties = new List<SchemaProperty>();
        if (schema.TryGetProperty("properties", out var props))
        {
            if (props.ValueKind != JsonValueKind.Object) throw Reject(path, "properties", "'properties' must be an object");
            RejectDuplicateKeys(props, path + "/properties");
            foreach (var p in props.EnumerateObject())
                properties.Add(new SchemaProperty(p.Name, Build(p.Value, $"{path}/properties/{PointerSegment(p.Name)}"), required.Contains(p.Name)));
        }
        foreach (string name in required)
        {
            if (!properties.Any(p => p.Name == name))
                throw Reject(path, "required", $"required property '{name}' is not declared in 'properties', so the grammar could not produce it");
        }

        SchemaNode? additional;
        bool closedBySchema = false;
        if (schema.TryGetProperty("additionalProperties", out var add))
        {
            switch (add.ValueKind)
            {
                case JsonValueKind.True:
                    additional = new AnySchema(path + "/additionalProperties");
                    break;
                case JsonValueKind.False:
                    additional = null;
                    closedBySchema = true;
                    break;
                case JsonValueKind.Object:
                    additional = Build(add, path + "/additionalProperties");
                    closedBySchema = true;
                    break;
                default:
                    throw Reject(path, "additionalProperties", "'additionalProperties' must be a boolean or a schema");
            }
        }
        else
        {
            // llama.cpp: with declared properties no other key is produced; {"type": "object"} alone is any object.
            additional = properties.Count == 0 && !Has(schema, "properties") ? new AnySchema(path) : null;
        }
        return new ObjectSchema(path, properties, additional, closedBySchema);
    }

    private SchemaNode BuildAllOf(JsonElement schema, string path, string? typeName)
    {
        RejectUnconsumed(schema, path, typeName == null ? JsonTypes.All : TypesOfName(typeName), "type", "allOf");
        var node = new AllOfSchema(path, BuildList(schema.GetProperty("allOf"), path, "allOf"));
        _allOfs.Add((node, typeName));
        return node;
    }

    private SchemaNode BuildArray(JsonElement schema, string path)
    {
        RejectUnconsumed(schema, path, JsonTypes.Array, "type", "items", "prefixItems", "minItems", "maxItems", "additionalItems", "uniqueItems");
        if (schema.TryGetProperty("uniqueItems", out var unique) && unique.ValueKind != JsonValueKind.False)
            throw Reject(path, "uniqueItems", "a grammar cannot make array items distinct");
        int min = Count(schema, "minItems", path, 0);
        int max = Count(schema, "maxItems", path, -1);
        if (max >= 0 && min > max) throw Reject(path, "minItems", $"minItems {min} is above maxItems {max}; no array satisfies both");

        bool hasItems = schema.TryGetProperty("items", out var items);
        bool hasPrefix = schema.TryGetProperty("prefixItems", out var prefix);
        if (hasItems && hasPrefix && items.ValueKind != JsonValueKind.False)
            throw Reject(path, "prefixItems", "'prefixItems' together with an 'items' schema is not supported");
        var (key, value) = hasPrefix ? ("prefixItems", prefix) : ("items", items);
        if (!hasItems && !hasPrefix) return new ArraySchema(path, new AnySchema(path), min, max);

        if (value.ValueKind == JsonValueKind.Array)
        {
            int n = value.GetArrayLength();
            if (n < min || (max >= 0 && n > max))
                throw Reject(path, min > n ? "minItems" : "maxItems", $"the grammar writes exactly the {n} tuple items, which minItems/maxItems do not allow");
            var tuple = new List<SchemaNode>();
            int i = 0;
            foreach (var item in value.EnumerateArray()) tuple.Add(Build(item, $"{path}/{key}/{i++}"));
            return new TupleSchema(path, tuple);
        }
        return new ArraySchema(path, Build(value, $"{path}/{key}"), min, max);
    }

    private StringSchema BuildString(JsonElement schema, string path)
    {
        RejectUnconsumed(schema, path, JsonTypes.String, "type", "pattern", "minLength", "maxLength");
        string? pattern = null;
        if (schema.TryGetProperty("pattern", out var p))
        {
            if (p.ValueKind != JsonValueKind.String) throw Reject(path, "pattern", "'pattern' must be a string");
            pattern = p.GetString();
        }
        var format = FormatOf(schema, path);
        int min = Count(schema, "minLength", path, 0);
        int max = Count(schema, "maxLength", path, -1);
        bool hasLength = min > 0 || max >= 0;
        if (pattern != null && hasLength) throw Reject(path, min > 0 ? "minLength" : "maxLength", "length limits together with 'pattern' are not supported");
        if (pattern == null && format != StringFormat.None && hasLength) throw Reject(path, min > 0 ? "minLength" : "maxLength", "length limits together with a 'format' are not supported");
        if (max >= 0 && min > max) throw Reject(path, "minLength", $"minLength {min} is above maxLength {max}; no string satisfies both");
        return new StringSchema(path, pattern, pattern == null ? format : StringFormat.None, min, max);
    }

    private IntegerSchema BuildInteger(JsonElement schema, string path)
    {
        RejectUnconsumed(schema, path, JsonTypes.Integer, "type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum");
        // Draft 4 writes exclusive bounds as booleans that modify minimum/maximum.
        bool exclusiveMin = schema.TryGetProperty("exclusiveMinimum", out var em) && em.ValueKind == JsonValueKind.True;
        bool exclusiveMax = schema.TryGetProperty("exclusiveMaximum", out var eM) && eM.ValueKind == JsonValueKind.True;
        decimal min = decimal.MinValue, max = decimal.MaxValue;
        if (schema.TryGetProperty("minimum", out var v)) min = Math.Max(min, LowestInteger(Bound(v, "minimum", path), exclusiveMin));
        if (em.ValueKind == JsonValueKind.Number) min = Math.Max(min, LowestInteger(Bound(em, "exclusiveMinimum", path), exclusive: true));
        if (schema.TryGetProperty("maximum", out v)) max = Math.Min(max, HighestInteger(Bound(v, "maximum", path), exclusiveMax));
        if (eM.ValueKind == JsonValueKind.Number) max = Math.Min(max, HighestInteger(Bound(eM, "exclusiveMaximum", path), exclusive: true));
        if (min > max) throw Reject(path, "minimum", "no integer lies between the minimum and the maximum");

        long lo = min == decimal.MinValue ? long.MinValue : ToLong(min, "minimum", path);
        long hi = max == decimal.MaxValue ? long.MaxValue : ToLong(max, "maximum", path);
        return new IntegerSchema(path, lo, hi);

        static decimal LowestInteger(decimal bound, bool exclusive) => exclusive ? Math.Floor(bound) + 1 : Math.Ceiling(bound);
        static decimal HighestInteger(decimal bound, bool exclusive) => exclusive ? Math.Ceiling(bound) - 1 : Math.Floor(bound);
    }

    private static NumberSchema BuildNumber(JsonElement schema, string path)
    {
        RejectUnconsumed(schema, path, JsonTypes.Number | JsonTypes.Integer, "type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum");
        NumberRangeGbnf.Bound? min = null, max = null;
        bool exclusiveMin = schema.TryGetProperty("exclusiveMinimum", out var em) && em.ValueKind == JsonValueKind.True;
        bool exclusiveMax = schema.TryGetProperty("exclusiveMaximum", out var eM) && eM.ValueKind == JsonValueKind.True;
        if (schema.TryGetProperty("minimum", out var v)) min = Tighter(min, new(Bound(v, "minimum", path), exclusiveMin), lower: true);
        if (em.ValueKind == JsonValueKind.Number) min = Tighter(min, new(Bound(em, "exclusiveMinimum", path), true), lower: true);
        if (schema.TryGetProperty("maximum", out v)) max = Tighter(max, new(Bound(v, "maximum", path), exclusiveMax), lower: false);
        if (eM.ValueKind == JsonValueKind.Number) max = Tighter(max, new(Bound(eM, "exclusiveMaximum", path), true), lower: false);
        if (min is { } lo && max is { } hi && (lo.Value > hi.Value || (lo.Value == hi.Value && (lo.Exclusive || hi.Exclusive))))
            throw Reject(path, "minimum", "no number lies between the minimum and the maximum");
        const decimal Largest = 1e15m; // the range expansion works on 64-bit integer parts
        if (min is { } m1 && Math.Abs(m1.Value) > Largest) throw Reject(path, "minimum", $"number bound {m1.Value} is out of range");
        if (max is { } m2 && Math.Abs(m2.Value) > Largest) throw Reject(path, "maximum", $"number bound {m2.Value} is out of range");
        return new NumberSchema(path, min, max);

        static NumberRangeGbnf.Bound Tighter(NumberRangeGbnf.Bound? current, NumberRangeGbnf.Bound next, bool lower)
        {
            if (current is not { } c) return next;
            if (c.Value == next.Value) return c.Exclusive ? c : next;
            return (next.Value > c.Value) == lower ? next : c;
        }
    }

    private static decimal Bound(JsonElement value, string keyword, string path)
    {
        if (value.ValueKind != JsonValueKind.Number) throw Reject(path, keyword, $"'{keyword}' must be a number");
        if (!value.TryGetDecimal(out decimal d)) throw Reject(path, keyword, $"'{keyword}' {value.GetRawText()} is out of range");
        return d;
    }

    private static long ToLong(decimal value, string keyword, string path)
    {
        // The digit-range expansion works on 64-bit integers; the sentinels mean "unbounded".
        if (value <= long.MinValue || value >= long.MaxValue) throw Reject(path, keyword, $"integer bound {value} is out of range");
        return (long)value;
    }

    private static StringFormat FormatOf(JsonElement schema, string path)
    {
        if (!schema.TryGetProperty("format", out var f)) return StringFormat.None;
        if (f.ValueKind != JsonValueKind.String) throw Reject(path, "format", "'format' must be a string");
        return f.GetString() switch
        {
            "date" => StringFormat.Date,
            "time" => StringFormat.Time,
            "date-time" => StringFormat.DateTime,
            "uuid" or "uuid1" or "uuid2" or "uuid3" or "uuid4" or "uuid5" => StringFormat.Uuid,
            _ => StringFormat.None, // other formats are annotations (JSON Schema 2020-12 does not assert them by default)
        };
    }

    private static int Count(JsonElement schema, string keyword, string path, int absent)
    {
        if (!schema.TryGetProperty(keyword, out var v)) return absent;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDecimal(out decimal d) || d < 0 || d != Math.Floor(d))
            throw Reject(path, keyword, $"'{keyword}' must be a non-negative integer");
        return d > int.MaxValue ? int.MaxValue : (int)d;
    }

    /// <summary>
    /// Rejects the validation keywords of <paramref name="schema"/> that are not in <paramref name="consumed"/> and
    /// could constrain a value of one of the <paramref name="produced"/> types. A keyword whose value constrains
    /// nothing (<c>true</c>, <c>{}</c>, an empty list, a zero minimum, <c>uniqueItems: false</c>) is fine.
    /// </summary>
    private static void RejectUnconsumed(JsonElement schema, string path, JsonTypes produced, params string[] consumed)
    {
        foreach (var p in schema.EnumerateObject())
        {
            string k = p.Name;
            if (Array.IndexOf(consumed, k) >= 0) continue;
            bool relevant =
                s_generalKeywords.Contains(k) ||
                (s_objectKeywords.Contains(k) && (produced & JsonTypes.Object) != 0) ||
                (s_arrayKeywords.Contains(k) && (produced & JsonTypes.Array) != 0) ||
                (s_stringKeywords.Contains(k) && (produced & JsonTypes.String) != 0) ||
                (s_numericKeywords.Contains(k) && (produced & (JsonTypes.Number | JsonTypes.Integer)) != 0);
            if (!relevant || IsVacuous(k, p.Value)) continue;
            string why = s_whyUnsupported.TryGetValue(k, out var w) ? w : $"'{k}' is not enforced in this position";
            throw Reject(path, k, why);
        }
    }

    private static bool IsVacuous(string keyword, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => keyword != "uniqueItems",
        JsonValueKind.False => keyword == "uniqueItems",
        JsonValueKind.Object => !value.EnumerateObject().Any(),
        JsonValueKind.Array => value.GetArrayLength() == 0 && keyword == "required",
        JsonValueKind.Number => keyword is "minItems" or "minLength" or "minProperties" or "minContains" && value.TryGetDecimal(out decimal d) && d == 0,
        _ => false,
    };

    private static void RejectDuplicateKeys(JsonElement obj, string path)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in obj.EnumerateObject())
        {
            if (!seen.Add(p.Name)) throw Reject(path, p.Name, $"key '{p.Name}' appears twice");
        }
    }

    // ---- checks that need every $ref target

    /// <summary>
    /// llama.cpp merges an <c>allOf</c> into one object (properties of direct components required, those of an
    /// <c>anyOf</c> inside it optional, no other keys) or intersects enums. Reject the cases where that merge could
    /// produce a value some component rejects.
    /// </summary>
    private static void CheckAllOf(LoweredSchema lowered, AllOfSchema allOf, string? typeName)
    {
        var objects = new List<(ObjectSchema Schema, bool Optional)>();
        int enums = 0;
        foreach (var component in allOf.Components)
        {
            if (component is AnyOfSchema alternatives)
            {
                foreach (var alt in alternatives.Alternatives)
                {
                    if (lowered.Resolve(alt) is not ObjectSchema o || o.Properties.Any(p => p.Required))
                        throw Reject(alt.Path, "anyOf", "inside 'allOf', 'anyOf' alternatives must be object schemas without required properties");
                    objects.Add((o, true));
                }
                continue;
            }
            switch (lowered.Resolve(component))
            {
                case ObjectSchema o:
                    objects.Add((o, false));
                    break;
                case EnumSchema:
                    enums++;
                    break;
                default:
                    throw Reject(component.Path, "allOf", "'allOf' components must be object schemas with 'properties' or enums");
            }
        }
        if (enums > 0 && objects.Count > 0) throw Reject(allOf.Path, "allOf", "'allOf' mixing enums and object schemas is not supported");

        if (enums > 0)
        {
            var common = JsonSchemaToGbnf.IntersectEnums(lowered, allOf);
            if (common.Count == 0) throw Reject(allOf.Path, "allOf", "the enums of 'allOf' have no value in common");
            if (typeName != null && typeName != "string" && typeName != "object")
                throw Reject(allOf.Path, "type", $"'allOf' with type '{typeName}' is not supported");
            return;
        }

        if (typeName == "string") throw Reject(allOf.Path, "type", "'allOf' of object schemas under type 'string' allows no value");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (o, _) in objects)
        {
            foreach (var p in o.Properties)
            {
                if (!names.Add(p.Name)) throw Reject(o.Path, "properties", $"property '{p.Name}' is declared by more than one 'allOf' component");
            }
        }
        foreach (var (o, _) in objects)
        {
            if (o.ClosedBySchema && names.Any(n => !o.Properties.Any(p => p.Name == n)))
                throw Reject(o.Path, "additionalProperties", "an 'allOf' component that restricts other keys would reject properties declared by the other components");
        }
    }

    /// <summary>
    /// A grammar alternative lets a value match several <c>oneOf</c> branches, so <c>oneOf</c> is accepted only
    /// where its branches provably exclude each other: different JSON types, different constants, or objects told
    /// apart by a required property with different constant values.
    /// </summary>
    private static void CheckDisjoint(LoweredSchema lowered, AnyOfSchema oneOf, string keyword)
    {
        var alts = oneOf.Alternatives.Select(a => lowered.Resolve(a) ?? a).ToList();
        for (int i = 0; i < alts.Count; i++)
        {
            for (int j = i + 1; j < alts.Count; j++)
            {
                if (!Disjoint(lowered, alts[i], alts[j]))
                    throw Reject(oneOf.Path, keyword, $"alternatives {i} and {j} of 'oneOf' may both match a value and a grammar cannot enforce that exactly one does; use 'anyOf' if any match is fine");
            }
        }
    }

    private static bool Disjoint(LoweredSchema lowered, SchemaNode a, SchemaNode b)
    {
        if (a is EnumSchema ea && b is EnumSchema eb) return !ea.Values.Intersect(eb.Values, StringComparer.Ordinal).Any();
        var ta = ValueTypes(lowered, a, 0);
        var tb = ValueTypes(lowered, b, 0);
        if (!Overlap(ta, tb)) return true;
        if (a is ObjectSchema oa && b is ObjectSchema ob)
        {
            foreach (var pa in oa.Properties.Where(p => p.Required))
            {
                var pb = ob.Properties.FirstOrDefault(p => p.Required && p.Name == pa.Name);
                if (pb != null && lowered.Resolve(pa.Schema) is EnumSchema va && lowered.Resolve(pb.Schema) is EnumSchema vb &&
                    !va.Values.Intersect(vb.Values, StringComparer.Ordinal).Any())
                    return true;
            }
        }
        return false;

        static bool Overlap(JsonTypes x, JsonTypes y)
        {
            // Every integer is a number.
            if ((x & JsonTypes.Integer) != 0) x |= JsonTypes.Number;
            if ((y & JsonTypes.Integer) != 0) y |= JsonTypes.Number;
            return (x & y) != 0;
        }
    }

    private static JsonTypes ValueTypes(LoweredSchema lowered, SchemaNode node, int depth)
    {
        if (depth > 64) return JsonTypes.All;
        return lowered.Resolve(node) switch
        {
            null or AnySchema => JsonTypes.All,
            NullSchema => JsonTypes.Null,
            BooleanSchema => JsonTypes.Boolean,
            NumberSchema => JsonTypes.Number | JsonTypes.Integer,
            IntegerSchema => JsonTypes.Integer,
            StringSchema => JsonTypes.String,
            ArraySchema or TupleSchema => JsonTypes.Array,
            ObjectSchema => JsonTypes.Object,
            AllOfSchema all => all.Components.Any(c => lowered.Resolve(c) is EnumSchema) ? JsonTypes.All : JsonTypes.Object,
            EnumSchema e => e.Values.Aggregate(JsonTypes.None, (t, v) => t | JsonValueText.TypesOf(JsonDocument.Parse(v).RootElement)),
            AnyOfSchema any => any.Alternatives.Aggregate(JsonTypes.None, (t, a) => t | ValueTypes(lowered, a, depth + 1)),
            _ => JsonTypes.All,
        };
    }

    // ---- helpers

    private static bool Has(JsonElement schema, string keyword) => schema.TryGetProperty(keyword, out _);

    private static JsonTypes TypeSet(JsonElement[] names, string path)
    {
        var set = JsonTypes.None;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in names)
        {
            if (n.ValueKind != JsonValueKind.String) throw Reject(path, "type", "'type' must be a string or an array of strings");
            var t = TypesOfName(n.GetString()!);
            if (t == JsonTypes.None) throw Reject(path, "type", $"unknown type '{n.GetString()}'");
            if (!seen.Add(n.GetString()!)) throw Reject(path, "type", $"type '{n.GetString()}' is listed twice");
            set |= t;
        }
        return set;
    }

    private static JsonTypes TypesOfName(string name) => name switch
    {
        "null" => JsonTypes.Null,
        "boolean" => JsonTypes.Boolean,
        "number" => JsonTypes.Number | JsonTypes.Integer,
        "integer" => JsonTypes.Integer,
        "string" => JsonTypes.String,
        "array" => JsonTypes.Array,
        "object" => JsonTypes.Object,
        _ => JsonTypes.None,
    };

    internal static string PointerSegment(string name) => name.Replace("~", "~0").Replace("/", "~1");

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Null => "null",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    internal static JsonSchemaConversionException Reject(string path, string keyword, string problem) => new(path, keyword, problem);
}
