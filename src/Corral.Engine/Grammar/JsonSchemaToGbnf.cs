using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Corral.Engine.Grammar;

/// <summary>
/// JSON Schema → GBNF, writing the grammar llama.cpp's converter writes (<c>common/json-schema-to-grammar.cpp</c>,
/// engine spec §8.3): one <c>name ::= body</c> per line, all rules sorted by name, the same rule names, built-in
/// rules and whitespace rule. Where llama.cpp would silently drop a constraint (<c>uniqueItems</c>, <c>not</c>,
/// <c>if</c>, <c>patternProperties</c>, unsupported patterns, remote <c>$ref</c>, …) this throws a
/// <see cref="JsonSchemaConversionException"/> naming the keyword and its JSON pointer, so a grammar never lets
/// through output that the schema rejects.
/// </summary>
public static partial class JsonSchemaToGbnf
{
    /// <summary>Converts <paramref name="schema"/> to GBNF with start rule <c>root</c>.</summary>
    public static string Convert(JsonElement schema) => ConvertAndParse(schema).Text;

    /// <summary>Converts <paramref name="schema"/> and returns the parsed grammar too (it is parsed anyway, to validate it).</summary>
    public static (string Text, GbnfGrammar Grammar) ConvertAndParse(JsonElement schema)
    {
        var lowered = JsonSchemaLowering.Lower(schema);
        var writer = new Writer(lowered);
        writer.Visit(lowered.Root, "");
        string grammar = writer.Format();
        try
        {
            return (grammar, GbnfGrammar.Parse(grammar));
        }
        catch (GbnfParseException ex)
        {
            // e.g. {"anyOf": [{"$ref": "#"}, …]}: a schema that refers to itself before any value starts
            throw new JsonSchemaConversionException("#", "$ref", "the schema refers to itself without any JSON text in between, which a grammar cannot express (" + ex.Problem + ")");
        }
    }

    /// <summary>Converts a schema given as JSON text.</summary>
    public static string Convert(string schemaJson)
    {
        using var doc = JsonDocument.Parse(schemaJson);
        return Convert(doc.RootElement);
    }

    private const string SpaceRule = "| \" \" | \"\\n\"{1,2} [ \\t]{0,20}";

    private sealed record Builtin(string Body, string[] Dependencies);

    private static readonly Dictionary<string, Builtin> s_primitives = new()
    {
        ["boolean"] = new("(\"true\" | \"false\")", []),
        ["decimal-part"] = new("[0-9]{1,16}", []),
        ["integral-part"] = new("[0] | [1-9] [0-9]{0,15}", []),
        ["number"] = new("(\"-\"? integral-part) (\".\" decimal-part)? ([eE] [-+]? integral-part)?", ["integral-part", "decimal-part"]),
        ["integer"] = new("(\"-\"? integral-part)", ["integral-part"]),
        ["value"] = new("object | array | string | number | boolean | null", ["object", "array", "string", "number", "boolean", "null"]),
        ["object"] = new("\"{\" space ( string \":\" space value (\",\" space string \":\" space value)* )? space \"}\"", ["string", "value"]),
        ["array"] = new("\"[\" space ( value (\",\" space value)* )? space \"]\"", ["value"]),
        ["uuid"] = new("\"\\\"\" [0-9a-fA-F]{8} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{12} \"\\\"\"", []),
        ["char"] = new("[^\"\\\\\\x7F\\x00-\\x1F] | [\\\\] ([\"\\\\bfnrt] | \"u\" [0-9a-fA-F]{4})", []),
        ["string"] = new("\"\\\"\" char* \"\\\"\"", ["char"]),
        ["null"] = new("\"null\"", []),
    };

    private static readonly Dictionary<string, Builtin> s_stringFormats = new()
    {
        // llama.cpp writes [0-9]{4} "-" ( "0" [1-9] | "1" [0-2] ) "-" ( "0" [1-9] | [1-2] [0-9] | "3" [0-1] ), which
        // allows February 30 and year 0000; validators that check formats reject those, so Corral's rule is exact:
        // years 0001–9999, days per month, February 29 in leap years only.
        ["date"] = new(DateRule, []),
        ["time"] = new("([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9] \":\" [0-5] [0-9] ( \".\" [0-9]{3} )? ( \"Z\" | ( \"+\" | \"-\" ) ( [01] [0-9] | \"2\" [0-3] ) \":\" [0-5] [0-9] )", []),
        ["date-time"] = new("date \"T\" time", ["date", "time"]),
        ["date-string"] = new("\"\\\"\" date \"\\\"\"", ["date"]),
        ["time-string"] = new("\"\\\"\" time \"\\\"\"", ["time"]),
        ["date-time-string"] = new("\"\\\"\" date-time \"\\\"\"", ["date-time"]),
    };

    private const string DateRule =
        "( [1-9] [0-9]{3} | \"0\" ( [1-9] [0-9]{2} | \"0\" ( [1-9] [0-9] | \"0\" [1-9] ) ) ) \"-\" " +
        "( ( \"0\" [13578] | \"1\" [02] ) \"-\" ( \"0\" [1-9] | [1-2] [0-9] | \"3\" [0-1] ) " +
        "| ( \"0\" [469] | \"11\" ) \"-\" ( \"0\" [1-9] | [1-2] [0-9] | \"30\" ) " +
        "| \"02-\" ( \"0\" [1-9] | \"1\" [0-9] | \"2\" [0-8] ) ) " +
        "| ( [0-9] [0-9] ( \"0\" [48] | [2468] [048] | [13579] [26] ) | ( \"0\" [48] | [2468] [048] | [13579] [26] ) \"00\" ) \"-02-29\"";

    private static bool IsReserved(string name) => name == "root" || s_primitives.ContainsKey(name) || s_stringFormats.ContainsKey(name);

    [GeneratedRegex("[^a-zA-Z0-9-]+")]
    private static partial Regex InvalidRuleChars();

    /// <summary>The GBNF literals that every enum of an <c>allOf</c> shares, in llama.cpp's (sorted) order.</summary>
    internal static List<string> IntersectEnums(LoweredSchema lowered, AllOfSchema allOf)
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var component in allOf.Components)
        {
            if (lowered.Resolve(component) is EnumSchema e)
            {
                foreach (string v in e.Values.Distinct(StringComparer.Ordinal))
                {
                    string literal = GbnfText.Literal(v);
                    counts[literal] = counts.GetValueOrDefault(literal) + 1;
                }
            }
        }
        return [.. counts.Where(kv => kv.Value == allOf.Components.Count).Select(kv => kv.Key)];
    }

    /// <summary>The rule writer: llama.cpp's <c>visit</c> over the lowered schema.</summary>
    private sealed class Writer
    {
        private readonly LoweredSchema _schema;
        private readonly SortedDictionary<string, string> _rules = new(StringComparer.Ordinal);
        private readonly HashSet<string> _refsBeingResolved = new(StringComparer.Ordinal);

        public Writer(LoweredSchema schema)
        {
            _schema = schema;
            _rules["space"] = SpaceRule;
        }

        public string Format()
        {
            var sb = new StringBuilder();
            foreach (var (name, body) in _rules) sb.Append(name).Append(" ::= ").Append(body).Append('\n');
            return sb.ToString();
        }

        /// <summary>Adds a rule under a sanitized name; a different body under a taken name gets a numeric suffix.</summary>
        private string AddRule(string name, string body)
        {
            string escaped = InvalidRuleChars().Replace(name, "-");
            if (!_rules.TryGetValue(escaped, out string? existing) || existing == body)
            {
                _rules[escaped] = body;
                return escaped;
            }
            int i = 0;
            while (_rules.TryGetValue(escaped + i.ToString(CultureInfo.InvariantCulture), out string? other) && other != body) i++;
            string key = escaped + i.ToString(CultureInfo.InvariantCulture);
            _rules[key] = body;
            return key;
        }

        private string AddPrimitive(string name, Builtin rule)
        {
            string n = AddRule(name, rule.Body);
            foreach (string dep in rule.Dependencies)
            {
                var depRule = s_primitives.GetValueOrDefault(dep) ?? s_stringFormats[dep];
                if (!_rules.ContainsKey(dep)) AddPrimitive(dep, depRule);
            }
            return n;
        }

        private string AddPrimitive(string name) => AddPrimitive(name, s_primitives[name]);

        private string VisitPrimitive(string ruleName, string type) => AddPrimitive(ruleName == "root" ? "root" : type, s_primitives[type]);

        public string Visit(SchemaNode node, string name)
        {
            string ruleName = IsReserved(name) ? name + "-" : name.Length == 0 ? "root" : name;
            string subName = name + (name.Length == 0 ? "" : "-");

            switch (node)
            {
                case RefSchema r:
                    return AddRule(ruleName, ResolveRef(r));
                case AnyOfSchema anyOf:
                    return AddRule(ruleName, string.Join(" | ", anyOf.Alternatives.Select((alt, i) =>
                        Visit(alt, name + (name.Length == 0 ? "alternative-" : "-") + i.ToString(CultureInfo.InvariantCulture)))));
                case AllOfSchema allOf:
                    return VisitAllOf(allOf, name, ruleName);
                case EnumSchema { IsConst: true } c:
                    return AddRule(ruleName, GbnfText.Literal(c.Values[0]));
                case EnumSchema e:
                    return AddRule(ruleName, "(" + string.Join(" | ", e.Values.Select(GbnfText.Literal)) + ")");
                case ObjectSchema o:
                    if (o.Properties.Count == 0 && o.Additional is AnySchema) return AddRule(ruleName, AddPrimitive("object"));
                    return AddRule(ruleName, BuildObjectRule(o.Properties, name, o.Additional));
                case TupleSchema t:
                {
                    var sb = new StringBuilder("\"[\" space ");
                    for (int i = 0; i < t.Items.Count; i++)
                    {
                        if (i > 0) sb.Append(" \",\" space ");
                        sb.Append(Visit(t.Items[i], subName + "tuple-" + i.ToString(CultureInfo.InvariantCulture)));
                    }
                    return AddRule(ruleName, sb.Append(" space \"]\"").ToString());
                }
                case ArraySchema a:
                {
                    if (a.Items is AnySchema && a.MinItems == 0 && a.MaxItems < 0) return VisitPrimitive(ruleName, "array");
                    string item = Visit(a.Items, subName + "item");
                    int max = a.MaxItems < 0 ? GbnfText.Unbounded : a.MaxItems;
                    return AddRule(ruleName, "\"[\" space " + GbnfText.Repetition(item, a.MinItems, max, "\",\" space") + " space \"]\"");
                }
                case StringSchema s:
                    return VisitString(s, ruleName);
                case IntegerSchema i:
                    if (i.Minimum == long.MinValue && i.Maximum == long.MaxValue) return VisitPrimitive(ruleName, "integer");
                    return AddRule(ruleName, "(" + GbnfText.IntegerRange(i.Minimum, i.Maximum) + ")");
                case NumberSchema { Minimum: null, Maximum: null }:
                    return VisitPrimitive(ruleName, "number");
                case NumberSchema n:
                    string range = NumberRangeGbnf.Build(n.Minimum, n.Maximum)
                        ?? throw new JsonSchemaConversionException(n.Path, "minimum", "no number with at most 16 decimals lies between the minimum and the maximum");
                    return AddRule(ruleName, "(" + range + ")");
                case BooleanSchema:
                    return VisitPrimitive(ruleName, "boolean");
                case NullSchema:
                    return VisitPrimitive(ruleName, "null");
                default:
                    return AddRule(ruleName, AddPrimitive("value"));
            }
        }

        private string VisitString(StringSchema s, string ruleName)
        {
            if (s.Pattern != null) return JsonSchemaPattern.ToRule(s.Pattern, ruleName, s.Path, AddRule, () => AddPrimitive("char"));
            if (s.Format == StringFormat.Uuid) return VisitPrimitive(ruleName, "uuid");
            if (s.Format != StringFormat.None)
            {
                string primitive = (s.Format switch { StringFormat.Date => "date", StringFormat.Time => "time", _ => "date-time" }) + "-string";
                return AddRule(ruleName, AddPrimitive(primitive, s_stringFormats[primitive]));
            }
            if (s.MinLength > 0 || s.MaxLength >= 0)
            {
                string charRule = AddPrimitive("char");
                int max = s.MaxLength < 0 ? GbnfText.Unbounded : s.MaxLength;
                return AddRule(ruleName, "\"\\\"\" " + GbnfText.Repetition(charRule, s.MinLength, max) + " \"\\\"\"");
            }
            return VisitPrimitive(ruleName, "string");
        }

        private string ResolveRef(RefSchema r)
        {
            int hash = r.Ref.IndexOf('#');
            string fragment = hash >= 0 ? r.Ref[(hash + 1)..] : r.Ref;
            string refName = "ref" + InvalidRuleChars().Replace(fragment, "-");
            if (!_rules.ContainsKey(refName) && _refsBeingResolved.Add(r.Ref))
            {
                refName = Visit(_schema.Refs[r.Ref], refName);
                _refsBeingResolved.Remove(r.Ref);
            }
            return refName;
        }

        private string VisitAllOf(AllOfSchema allOf, string name, string ruleName)
        {
            var enums = IntersectEnums(_schema, allOf);
            if (enums.Count > 0) return AddRule(ruleName, "(" + string.Join(" | ", enums) + ")");

            var properties = new List<SchemaProperty>();
            void AddComponent(SchemaNode component, bool required)
            {
                if (_schema.Resolve(component) is ObjectSchema o)
                    properties.AddRange(o.Properties.Select(p => p with { Required = required }));
            }
            foreach (var component in allOf.Components)
            {
                if (component is AnyOfSchema any) foreach (var alt in any.Alternatives) AddComponent(alt, required: false);
                else AddComponent(component, required: true);
            }
            return AddRule(ruleName, BuildObjectRule(properties, name, additional: null));
        }

        /// <summary>
        /// <c>"{" space</c>, the required key-value rules in schema order joined by <c>"," space</c>, then the optional
        /// ones (any subset, in declared order, through <c>name-k-rest</c> rules), then additional keys, then <c>space "}"</c>.
        /// </summary>
        private string BuildObjectRule(IReadOnlyList<SchemaProperty> properties, string name, SchemaNode? additional)
        {
            string prefix = name + (name.Length == 0 ? "" : "-");
            var required = new List<string>();
            var optional = new List<(string Key, string KvRule, bool IsAdditional)>();
            var names = new List<string>();
            foreach (var p in properties)
            {
                string valueRule = Visit(p.Schema, prefix + p.Name);
                var key = new StringBuilder();
                JsonValueText.WriteString(key, p.Name);
                string kv = AddRule(prefix + p.Name + "-kv", GbnfText.Literal(key.ToString()) + " space \":\" space " + valueRule);
                if (p.Required) required.Add(kv);
                else optional.Add((p.Name, kv, false));
                names.Add(p.Name);
            }
            if (additional != null)
            {
                string subName = prefix + "additional";
                string valueRule = additional is AnySchema ? AddPrimitive("value") : Visit(additional, subName + "-value");
                string keyRule = names.Count == 0 ? AddPrimitive("string") : AddRule(subName + "-k", NotStrings(names));
                optional.Add(("*", AddRule(subName + "-kv", keyRule + " \":\" space " + valueRule), true));
            }
            if (required.Count == 0 && optional.Count == 0) return "\"{\" space \"}\"";

            var rule = new StringBuilder("\"{\" space ");
            rule.AppendJoin(" \",\" space ", required);
            if (optional.Count > 0)
            {
                rule.Append(" (");
                if (required.Count > 0) rule.Append(" \",\" space ( ");
                for (int i = 0; i < optional.Count; i++)
                {
                    if (i > 0) rule.Append(" | ");
                    rule.Append(OptionalTail(optional, i, firstIsOptional: false, prefix));
                }
                if (required.Count > 0) rule.Append(" )");
                rule.Append(" )?");
            }
            return rule.Append(" space \"}\"").ToString();
        }

        /// <summary>Optional properties from <paramref name="start"/> on: the first one, then any later ones in order.</summary>
        private string OptionalTail(List<(string Key, string KvRule, bool IsAdditional)> optional, int start, bool firstIsOptional, string prefix)
        {
            var (key, kv, isAdditional) = optional[start];
            string commaRef = "( \",\" space " + kv + " )";
            string result = firstIsOptional
                ? commaRef + (isAdditional ? "*" : "?")
                : kv + (isAdditional ? " " + commaRef + "*" : "");
            if (start + 1 < optional.Count)
                result += " " + AddRule(prefix + key + "-rest", OptionalTail(optional, start + 1, firstIsOptional: true, prefix));
            return result;
        }

        /// <summary>
        /// A JSON string that is none of <paramref name="names"/> (llama.cpp <c>_not_strings</c>): a trie over the
        /// names' JSON-escaped characters. Unlike llama.cpp the "any other character" classes exclude backslash and
        /// control characters, which would otherwise start invalid JSON.
        /// </summary>
        private string NotStrings(List<string> names)
        {
            var root = new TrieNode();
            foreach (string n in names)
            {
                var escaped = new StringBuilder();
                JsonValueText.WriteString(escaped, n);
                string content = escaped.ToString(1, escaped.Length - 2);
                var node = root;
                foreach (var rune in content.EnumerateRunes())
                {
                    if (!node.Children.TryGetValue(rune.Value, out var child)) node.Children[rune.Value] = child = new TrieNode();
                    node = child;
                }
                node.IsEnd = true;
            }

            string charRule = AddPrimitive("char");
            var sb = new StringBuilder("[\"] ( ");
            Emit(root);
            sb.Append(" )");
            if (!root.IsEnd) sb.Append('?');
            sb.Append(" [\"]");
            return sb.ToString();

            void Emit(TrieNode node)
            {
                var rejects = new StringBuilder();
                bool first = true;
                foreach (var (cp, child) in node.Children)
                {
                    string c = ClassChar(cp);
                    rejects.Append(c);
                    if (!first) sb.Append(" | ");
                    first = false;
                    sb.Append('[').Append(c).Append(']');
                    if (child.Children.Count > 0)
                    {
                        sb.Append(" (");
                        Emit(child);
                        sb.Append(')');
                    }
                    else
                    {
                        sb.Append(' ').Append(charRule).Append('+');
                    }
                }
                if (node.Children.Count > 0) sb.Append(" | [^\"\\\\\\x7F\\x00-\\x1F").Append(rejects).Append("] ").Append(charRule).Append('*');
            }
        }

        private static string ClassChar(int cp) => cp switch
        {
            '\\' => @"\\",
            ']' => @"\]",
            '-' => @"\-",
            '^' => @"\x5E",
            _ => char.ConvertFromUtf32(cp),
        };

        private sealed class TrieNode
        {
            public SortedDictionary<int, TrieNode> Children { get; } = [];
            public bool IsEnd { get; set; }
        }
    }
}
