using Corral.Engine.Grammar;

namespace Corral.Engine.Tests.Grammar;

/// <summary>
/// Converter output for small schemas, checked by hand against llama.cpp's algorithm
/// (common/json-schema-to-grammar.cpp): rule names, sorted order, built-ins, object and array shapes.
/// </summary>
public class JsonSchemaToGbnfTests
{
    private const string Space = """space ::= | " " | "\n"{1,2} [ \t]{0,20}""";
    private const string Char = """char ::= [^"\\\x7F\x00-\x1F] | [\\] (["\\bfnrt] | "u" [0-9a-fA-F]{4})""";
    private const string String = """string ::= "\"" char* "\"" """;
    private const string Number = """number ::= ("-"? integral-part) ("." decimal-part)? ([eE] [-+]? integral-part)?""";
    private const string IntegralPart = """integral-part ::= [0] | [1-9] [0-9]{0,15}""";
    private const string DecimalPart = """decimal-part ::= [0-9]{1,16}""";

    private static void AssertGrammar(string schema, params string[] expectedRules)
    {
        string actual = JsonSchemaToGbnf.Convert(schema);
        string expected = string.Concat(expectedRules.Select(r => r.TrimEnd() + "\n"));
        Assert.Equal(expected, actual);
        GbnfGrammar.Parse(actual); // and it is valid GBNF
    }

    [Fact]
    public void PlainStringBecomesTheRootRule() => AssertGrammar("""{"type":"string"}""",
        Char,
        """root ::= "\"" char* "\"" """,
        Space);

    [Fact]
    public void EmptySchemaIsAnyValue() => AssertGrammar("{}",
        """array ::= "[" space ( value ("," space value)* )? space "]" """,
        """boolean ::= ("true" | "false")""",
        Char,
        DecimalPart,
        IntegralPart,
        """null ::= "null" """,
        Number,
        """object ::= "{" space ( string ":" space value ("," space string ":" space value)* )? space "}" """,
        "root ::= value",
        Space,
        String,
        "value ::= object | array | string | number | boolean | null");

    [Fact]
    public void ObjectWithRequiredAndOptionalProperties() => AssertGrammar("""
        {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0},"email":{"type":"string"}},"required":["name"]}
        """,
        "age ::= ([0] | [1-9] [0-9]{0,15})",
        """age-kv ::= "\"age\"" space ":" space age""",
        """age-rest ::= ( "," space email-kv )?""",
        Char,
        """email-kv ::= "\"email\"" space ":" space string""",
        """name-kv ::= "\"name\"" space ":" space string""",
        """root ::= "{" space name-kv ( "," space ( age-kv age-rest | email-kv ) )? space "}" """,
        Space,
        String);

    [Fact]
    public void OnlyOptionalPropertiesKeepLlamaCppSpacing() => AssertGrammar("""
        {"properties":{"a":{"type":"boolean"},"b":{"type":"null"}}}
        """,
        """a-kv ::= "\"a\"" space ":" space boolean""",
        """a-rest ::= ( "," space b-kv )?""",
        """b-kv ::= "\"b\"" space ":" space null""",
        """boolean ::= ("true" | "false")""",
        """null ::= "null" """,
        """root ::= "{" space  (a-kv a-rest | b-kv )? space "}" """,
        Space);

    [Fact]
    public void AdditionalPropertiesBuildAKeyTrie() => AssertGrammar("""
        {"type":"object","properties":{"ab":{"type":"integer"}},"required":["ab"],"additionalProperties":{"type":"boolean"}}
        """,
        """ab-kv ::= "\"ab\"" space ":" space integer""",
        """additional-k ::= ["] ( [a] ([b] char+ | [^"\\\x7F\x00-\x1Fb] char*) | [^"\\\x7F\x00-\x1Fa] char* )? ["]""",
        """additional-kv ::= additional-k ":" space boolean""",
        """boolean ::= ("true" | "false")""",
        Char,
        """integer ::= ("-"? integral-part)""",
        IntegralPart,
        """root ::= "{" space ab-kv ( "," space ( additional-kv ( "," space additional-kv )* ) )? space "}" """,
        Space);

    [Fact]
    public void BoundedArray() => AssertGrammar("""{"type":"array","items":{"type":"number"},"minItems":1,"maxItems":3}""",
        DecimalPart,
        IntegralPart,
        Number,
        """root ::= "[" space number ("," space number){0,2} space "]" """,
        Space);

    [Fact]
    public void OptionalArrayIsWrapped() => AssertGrammar("""{"type":"array","items":{"type":"boolean"},"maxItems":2}""",
        """boolean ::= ("true" | "false")""",
        """root ::= "[" space (boolean ("," space boolean)?)? space "]" """,
        Space);

    [Fact]
    public void TupleFromPrefixItems() => AssertGrammar("""{"type":"array","prefixItems":[{"type":"string"},{"const":42}]}""",
        Char,
        """root ::= "[" space string "," space tuple-1 space "]" """,
        Space,
        String,
        """tuple-1 ::= "42" """);

    [Fact]
    public void EnumAndConstAreJsonLiterals() => AssertGrammar("""{"enum":["red","say \"hi\"",1,null,{"a":[true]}]}""",
        """root ::= ("\"red\"" | "\"say \\\"hi\\\"\"" | "1" | "null" | "{\"a\":[true]}")""",
        Space);

    [Fact]
    public void EnumIsFilteredByType() => AssertGrammar("""{"type":"string","enum":["a",1,"b"]}""",
        """root ::= ("\"a\"" | "\"b\"")""",
        Space);

    [Fact]
    public void AnyOfOfPrimitivesReferencesThemDirectly() => AssertGrammar("""{"anyOf":[{"type":"string"},{"type":"null"}]}""",
        Char,
        """null ::= "null" """,
        "root ::= string | null",
        Space,
        String);

    [Fact]
    public void TypeArrayIsAnUnion() => AssertGrammar("""{"type":["integer","boolean"]}""",
        """boolean ::= ("true" | "false")""",
        """integer ::= ("-"? integral-part)""",
        IntegralPart,
        "root ::= integer | boolean",
        Space);

    [Fact]
    public void IntegerRangeExpandsDigits() => AssertGrammar("""{"type":"integer","minimum":1,"maximum":100}""",
        """root ::= ([1-9] | ([1-8] [0-9] | [9] [0-9]) | "100")""",
        Space);

    [Fact]
    public void NegativeIntegerRange() => AssertGrammar("""{"type":"integer","minimum":-5,"maximum":7}""",
        """root ::= ("-" ([0-5]) | [0-7])""",
        Space);

    [Fact]
    public void ExclusiveBoundsAreTightened() => AssertGrammar("""{"type":"integer","exclusiveMinimum":0,"exclusiveMaximum":10}""",
        """root ::= ([1-9])""",
        Space);

    [Fact]
    public void StringLengthUsesCharRepetition() => AssertGrammar("""{"type":"string","minLength":2,"maxLength":5}""",
        Char,
        """root ::= "\"" char{2,5} "\"" """,
        Space);

    [Fact]
    public void DateFormat() => AssertGrammar("""{"type":"object","properties":{"d":{"type":"string","format":"date"}},"required":["d"]}""",
        """d ::= date-string""",
        """d-kv ::= "\"d\"" space ":" space d""",
        """date ::= ( [1-9] [0-9]{3} | "0" ( [1-9] [0-9]{2} | "0" ( [1-9] [0-9] | "0" [1-9] ) ) ) "-" ( ( "0" [13578] | "1" [02] ) "-" ( "0" [1-9] | [1-2] [0-9] | "3" [0-1] ) | ( "0" [469] | "11" ) "-" ( "0" [1-9] | [1-2] [0-9] | "30" ) | "02-" ( "0" [1-9] | "1" [0-9] | "2" [0-8] ) ) | ( [0-9] [0-9] ( "0" [48] | [2468] [048] | [13579] [26] ) | ( "0" [48] | [2468] [048] | [13579] [26] ) "00" ) "-02-29" """,
        """date-string ::= "\"" date "\"" """,
        """root ::= "{" space d-kv space "}" """,
        Space);

    [Fact]
    public void ReservedNamesGetADash() => AssertGrammar("""{"type":"object","properties":{"string":{"type":"integer","maximum":3}},"required":["string"]}""",
        """root ::= "{" space string-kv space "}" """,
        Space,
        """string- ::= ("-" [1-9] [0-9]{0,15} | [0-3])""",
        """string-kv ::= "\"string\"" space ":" space string-""");

    [Fact]
    public void DefsReferencesUseRefRuleNames() => AssertGrammar("""
        {"$defs":{"Point":{"type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"}},"required":["x","y"]}},
         "type":"object","properties":{"a":{"$ref":"#/$defs/Point"}},"required":["a"]}
        """,
        "a ::= ref-defs-Point",
        """a-kv ::= "\"a\"" space ":" space a""",
        DecimalPart,
        IntegralPart,
        Number,
        """ref-defs-Point ::= "{" space ref-defs-Point-x-kv "," space ref-defs-Point-y-kv space "}" """,
        """ref-defs-Point-x-kv ::= "\"x\"" space ":" space number""",
        """ref-defs-Point-y-kv ::= "\"y\"" space ":" space number""",
        """root ::= "{" space a-kv space "}" """,
        Space);

    [Fact]
    public void RecursiveReferenceTerminates()
    {
        string grammar = JsonSchemaToGbnf.Convert("""
            {"definitions":{"node":{"type":"object","properties":{"next":{"$ref":"#/definitions/node"}}}},"$ref":"#/definitions/node"}
            """);
        Assert.Contains("root ::= ref-definitions-node\n", grammar);
        Assert.Contains("ref-definitions-node-next ::= ref-definitions-node\n", grammar);
        GbnfGrammar.Parse(grammar);
    }

    [Fact]
    public void PatternBecomesAStringRule() => AssertGrammar("""{"type":"string","pattern":"^[a-z]+@[a-z]+\\.com$"}""",
        """root ::= "\"" ([a-z]+ "@" [a-z]+ ".com") "\"" """,
        Space);

    [Fact]
    public void PatternCountedRepetitionUsesHelperRules() => AssertGrammar("""{"type":"string","pattern":"^[0-9]{3}-[0-9]{4}$"}""",
        """root ::= "\"" (root-1{3,3} "-" root-1{4,4}) "\"" """,
        "root-1 ::= [0-9]",
        Space);

    [Fact]
    public void PatternCharactersThatJsonEscapesAreWrittenEscaped() => AssertGrammar("""{"type":"string","pattern":"^a\"b\\\\c\\n$"}""",
        """root ::= "\"" ("a\\\"b\\\\c\\n") "\"" """,
        Space);

    [Fact]
    public void UnanchoredPatternMatchesAnywhere() => AssertGrammar("""{"type":"string","pattern":"ab"}""",
        Char,
        """root ::= "\"" (char* "ab" char*) "\"" """,
        Space);

    [Fact]
    public void AllOfMergesProperties() => AssertGrammar("""
        {"allOf":[{"properties":{"a":{"type":"string"}}},{"properties":{"b":{"type":"boolean"}}},{"anyOf":[{"properties":{"c":{"type":"null"}}}]}]}
        """,
        """a-kv ::= "\"a\"" space ":" space string""",
        """b-kv ::= "\"b\"" space ":" space boolean""",
        """boolean ::= ("true" | "false")""",
        """c-kv ::= "\"c\"" space ":" space null""",
        Char,
        """null ::= "null" """,
        """root ::= "{" space a-kv "," space b-kv ( "," space ( c-kv ) )? space "}" """,
        Space,
        String);

    [Fact]
    public void AllOfIntersectsEnums() => AssertGrammar("""{"allOf":[{"enum":["b","a","c"]},{"enum":["c","a"]}]}""",
        """root ::= ("\"a\"" | "\"c\"")""",
        Space);

    [Fact]
    public void NameCollisionsGetNumericSuffixes()
    {
        string grammar = JsonSchemaToGbnf.Convert("""
            {"type":"object","properties":{"a b":{"type":"integer","minimum":1},"a-b":{"type":"integer","maximum":1}},"required":["a b","a-b"]}
            """);
        Assert.Contains("a-b ::= ([1-9] [0-9]{0,15})\n", grammar);
        Assert.Contains("a-b0 ::= (\"-\" [1-9] [0-9]{0,15} | [0-1])\n", grammar);
        Assert.Contains("a-b-kv ::= \"\\\"a b\\\"\" space \":\" space a-b\n", grammar);
        Assert.Contains("a-b-kv0 ::= \"\\\"a-b\\\"\" space \":\" space a-b0\n", grammar);
    }

    [Fact]
    public void OneOfWithDisjointTypesIsAccepted() => AssertGrammar("""{"oneOf":[{"type":"string"},{"type":"integer"}]}""",
        Char,
        """integer ::= ("-"? integral-part)""",
        IntegralPart,
        "root ::= string | integer",
        Space,
        String);

    [Fact]
    public void DescriptiveKeywordsAreIgnored() => AssertGrammar("""
        {"$schema":"https://json-schema.org/draft/2020-12/schema","title":"T","description":"d","examples":["x"],"default":"y","type":"string","format":"email"}
        """,
        Char,
        """root ::= "\"" char* "\"" """,
        Space);

    // ---- rejected keywords

    [Theory]
    [InlineData("""{"type":"array","items":{"type":"string"},"uniqueItems":true}""", "uniqueItems", "#")]
    [InlineData("""{"type":"array","contains":{"type":"string"}}""", "contains", "#")]
    [InlineData("""{"properties":{"a":{"not":{"type":"string"}}}}""", "not", "#/properties/a")]
    [InlineData("""{"type":"object","if":{"required":["a"]},"then":{"required":["b"]}}""", "if", "#")]
    [InlineData("""{"type":"object","patternProperties":{"^x":{"type":"string"}}}""", "patternProperties", "#")]
    [InlineData("""{"type":"object","minProperties":1}""", "minProperties", "#")]
    [InlineData("""{"$ref":"https://example.com/schema.json"}""", "$ref", "#")]
    [InlineData("""{"$ref":"#/$defs/missing"}""", "$ref", "#")]
    [InlineData("""{"type":"string","pattern":"^(?=a)b$"}""", "pattern", "#")]
    [InlineData("""{"type":"string","pattern":"^a\\bc$"}""", "pattern", "#")]
    [InlineData("""{"type":"string","pattern":"^(a)\\1$"}""", "pattern", "#")]
    [InlineData("""{"type":"string","pattern":"^(a$"}""", "pattern", "#")]
    [InlineData("""{"type":"number","multipleOf":0.5}""", "multipleOf", "#")]
    [InlineData("""{"type":"number","minimum":1,"exclusiveMaximum":1}""", "minimum", "#")]
    [InlineData("""{"type":"number","exclusiveMinimum":0,"maximum":1e-17}""", "minimum", "#")]
    [InlineData("""{"type":"number","maximum":1e20}""", "maximum", "#")]
    [InlineData("""{"type":"integer","multipleOf":2}""", "multipleOf", "#")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string"}},"required":["b"]}""", "required", "#")]
    [InlineData("""{"type":"string","pattern":"^a+$","maxLength":3}""", "maxLength", "#")]
    [InlineData("""{"oneOf":[{"type":"string"},{"type":"string","maxLength":3}]}""", "oneOf", "#")]
    [InlineData("""{"anyOf":[{"type":"string"}],"type":"string"}""", "type", "#")]
    [InlineData("""{"allOf":[{"type":"string","minLength":2}]}""", "allOf", "#/allOf/0")]
    [InlineData("""{"type":"array","prefixItems":[{"type":"string"}],"minItems":2}""", "minItems", "#")]
    [InlineData("""{"type":"integer","minimum":5,"maximum":4}""", "minimum", "#")]
    [InlineData("""{"type":"wat"}""", "type", "#")]
    [InlineData("""{"properties":{"a/b":{"type":"array","items":{"type":"integer"},"maxContains":2}}}""", "maxContains", "#/properties/a~1b")]
    [InlineData("""false""", "false", "#")]
    public void UnenforceableKeywordsAreRejected(string schema, string keyword, string path)
    {
        var ex = Assert.Throws<JsonSchemaConversionException>(() => JsonSchemaToGbnf.Convert(schema));
        Assert.Equal(keyword, ex.Keyword);
        Assert.Equal(path, ex.SchemaPath);
        Assert.Contains(keyword, ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void VacuousKeywordsAreFine()
    {
        JsonSchemaToGbnf.Convert("""{"type":"array","items":{"type":"string"},"uniqueItems":false,"minItems":0}""");
        JsonSchemaToGbnf.Convert("""{"type":"string","minimum":3,"uniqueItems":true}"""); // other types' keywords constrain nothing here
    }

    [Fact]
    public void OllamaJsonGrammarParses()
    {
        var grammar = GbnfGrammar.Parse(OllamaJsonGrammar.Text);
        Assert.Contains("ws", grammar.RuleNames);
    }

    // ---- number bounds (enforced, unlike llama.cpp)

    [Theory]
    [InlineData("0", "1")]
    [InlineData("0!", "1!")]
    [InlineData("-2.5", "3.25")]
    [InlineData("0.125!", null)]
    [InlineData(null, "-0.5")]
    [InlineData("-10", "-9.75!")]
    [InlineData("1.5", "1.5")]
    [InlineData(null, "0!")]
    [InlineData("7", null)]
    public void NumberBoundsAreExact(string? min, string? max)
    {
        // "!" marks an exclusive bound.
        var schema = new System.Text.StringBuilder("""{"type":"number" """);
        if (min != null) schema.Append(min.EndsWith('!') ? $",\"exclusiveMinimum\":{min[..^1]}" : $",\"minimum\":{min}");
        if (max != null) schema.Append(max.EndsWith('!') ? $",\"exclusiveMaximum\":{max[..^1]}" : $",\"maximum\":{max}");
        schema.Append('}');
        var matcher = CharacterGrammar.Matcher(JsonSchemaToGbnf.Convert(schema.ToString()));

        decimal? lo = min == null ? null : decimal.Parse(min.TrimEnd('!'), System.Globalization.CultureInfo.InvariantCulture);
        decimal? hi = max == null ? null : decimal.Parse(max.TrimEnd('!'), System.Globalization.CultureInfo.InvariantCulture);
        foreach (string text in NumberCandidates())
        {
            decimal value = decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
            bool inRange = (lo == null || (min!.EndsWith('!') ? value > lo : value >= lo)) && (hi == null || (max!.EndsWith('!') ? value < hi : value <= hi));
            bool negativeZero = text.StartsWith('-') && value == 0;
            bool expected = inRange && !negativeZero && text.Split('.') is var parts && (parts.Length == 1 || parts[1].Length <= 16);
            Assert.True(expected == CharacterGrammar.Matches(matcher, text), $"{schema}: {text} should {(expected ? "" : "not ")}match");
        }
    }

    private static IEnumerable<string> NumberCandidates()
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        for (int k = -110; k <= 110; k++)
        {
            decimal v = k / 8m;
            yield return v.ToString(inv);
            if (k % 8 == 0) yield return v.ToString("0.0", inv);
            if (k % 4 == 0) yield return v.ToString("0.00", inv) + "0";
        }
        foreach (string s in new[] { "-0", "-0.0", "0.0000000000000001", "0.00000000000000001", "1.0000000000000001", "123456", "-123456", "9.74", "-9.76", "0.1249", "0.1251", "3.2500", "3.2501", "-2.5001", "1.49", "1.51" })
            yield return s;
    }

    [Theory]
    [InlineData("""{"type":5}""")]
    [InlineData("""{"properties":[]}""")]
    [InlineData("""{"type":"object","required":"a","properties":{"a":{}}}""")]
    [InlineData("""{"enum":[]}""")]
    [InlineData("""{"items":3}""")]
    [InlineData("""{"type":"array","minItems":-1}""")]
    [InlineData("""{"type":"array","minItems":1.5}""")]
    [InlineData("""{"type":"string","pattern":5}""")]
    [InlineData("""{"$ref":5}""")]
    [InlineData("""{"anyOf":{}}""")]
    [InlineData("""{"allOf":[]}""")]
    [InlineData("""{"type":"string","format":5}""")]
    [InlineData("""{"type":"string","minLength":"3"}""")]
    [InlineData("""[1]""")]
    [InlineData("\"string\"")]
    [InlineData("null")]
    [InlineData("42")]
    [InlineData("""{"$ref":"#"}""")]
    [InlineData("""{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}""")]
    [InlineData("""{"$defs":{"x":{"anyOf":[{"$ref":"#/$defs/x"},{"type":"null"}]}},"$ref":"#/$defs/x"}""")]
    [InlineData("""{"type":"integer","minimum":"zero"}""")]
    [InlineData("""{"type":"integer","maximum":1e300}""")]
    [InlineData("""{"type":"object","additionalProperties":3}""")]
    [InlineData("""{"type":["string","string"]}""")]
    [InlineData("""{"type":[]}""")]
    public void MalformedSchemasGetAClearError(string schema)
    {
        var ex = Assert.Throws<JsonSchemaConversionException>(() => JsonSchemaToGbnf.Convert(schema));
        Assert.StartsWith("#", ex.SchemaPath);
        Assert.False(string.IsNullOrEmpty(ex.Keyword));
    }
}
