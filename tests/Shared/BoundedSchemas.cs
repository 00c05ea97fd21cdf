namespace Corral.Testing;

/// <summary>
/// Twenty varied JSON schemas whose instances have a bounded length (every string, array and number is
/// limited), so a model sampling freely under the grammar always finishes within a token budget.
/// </summary>
internal static class BoundedSchemas
{
    public static readonly (string Name, string Schema)[] All =
    [
        ("person", """{"type":"object","properties":{"name":{"type":"string","maxLength":10},"age":{"type":"integer","minimum":0,"maximum":150}},"required":["name","age"]}"""),
        ("nested", """{"type":"object","properties":{"id":{"type":"integer","minimum":0,"maximum":999},"address":{"type":"object","properties":{"street":{"type":"string","maxLength":8},"zip":{"type":"string","pattern":"^[0-9]{5}$"}},"required":["zip"]}},"required":["id","address"]}"""),
        ("tags", """{"type":"array","items":{"type":"string","minLength":1,"maxLength":6},"minItems":1,"maxItems":4}"""),
        ("enums", """{"type":"object","properties":{"color":{"enum":["red","green","blue"]},"v":{"const":2}},"required":["color","v"]}"""),
        ("booleans-and-null", """{"type":"object","properties":{"a":{"type":"boolean"},"b":{"type":"null"}},"required":["a","b"]}"""),
        ("bounded-number", """{"type":"object","properties":{"x":{"type":"number","minimum":-1.5,"maximum":2}},"required":["x"],"additionalProperties":false}"""),
        ("bounded-string", """{"type":"string","minLength":2,"maxLength":8}"""),
        ("int-range", """{"type":"integer","minimum":-50,"maximum":1234}"""),
        ("any-of", """{"type":"object","properties":{"v":{"anyOf":[{"type":"string","maxLength":5},{"type":"integer","minimum":10,"maximum":99},{"type":"null"}]}},"required":["v"]}"""),
        ("defs", """{"$defs":{"item":{"type":"object","properties":{"sku":{"type":"string","pattern":"^[A-Z]{2}-[0-9]{3}$"},"qty":{"type":"integer","minimum":1,"maximum":20}},"required":["sku","qty"]}},"type":"object","properties":{"items":{"type":"array","items":{"$ref":"#/$defs/item"},"maxItems":2}},"required":["items"]}"""),
        ("nullable", """{"type":"object","properties":{"note":{"type":["string","null"],"maxLength":6},"n":{"type":["integer","boolean"],"minimum":0,"maximum":9}},"required":["note","n"]}"""),
        ("tuple", """{"type":"array","prefixItems":[{"type":"string","maxLength":4},{"type":"integer","minimum":0,"maximum":50},{"type":"boolean"}],"items":false}"""),
        ("pattern", """{"type":"object","properties":{"code":{"type":"string","pattern":"^[A-Z]{2,4}$"}},"required":["code"]}"""),
        ("date", """{"type":"object","properties":{"day":{"type":"string","format":"date"}},"required":["day"]}"""),
        ("uuid", """{"type":"string","format":"uuid"}"""),
        ("array-of-objects", """{"type":"array","items":{"type":"object","properties":{"k":{"type":"string","enum":["a","b"]},"v":{"type":"integer","minimum":0,"maximum":9}},"required":["k","v"]},"minItems":2,"maxItems":3}"""),
        ("deep", """{"type":"object","properties":{"l1":{"type":"object","properties":{"l2":{"type":"array","items":{"type":"object","properties":{"l3":{"enum":["x","y"]}},"required":["l3"]},"maxItems":2}},"required":["l2"]}},"required":["l1"]}"""),
        ("min-max-items", """{"type":"array","items":{"type":"integer","minimum":0,"maximum":9},"minItems":2,"maxItems":5}"""),
        ("required-and-optional", """{"type":"object","properties":{"a":{"type":"integer","minimum":0,"maximum":9},"b":{"type":"string","maxLength":3},"c":{"type":"boolean"}},"required":["a"],"additionalProperties":false}"""),
        ("one-of", """{"oneOf":[{"type":"object","properties":{"kind":{"const":"a"},"x":{"type":"integer","minimum":0,"maximum":9}},"required":["kind","x"]},{"type":"object","properties":{"kind":{"const":"b"},"y":{"type":"string","maxLength":5}},"required":["kind","y"]}]}"""),
    ];
}
