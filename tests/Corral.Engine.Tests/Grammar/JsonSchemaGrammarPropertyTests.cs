using System.Numerics;
using System.Text;
using System.Text.Json;
using Corral.Engine.Grammar;
using Json.Schema;

namespace Corral.Engine.Tests.Grammar;

/// <summary>
/// Property test of converter + engine together: for varied schemas, random generations constrained by the
/// converted grammar over real vocabularies always parse as JSON and validate against the schema (JsonSchema.Net).
/// </summary>
public class JsonSchemaGrammarPropertyTests
{
    public const int CompletionsPerSchema = 50;
    private const int MaxTokens = 160;

    public static TheoryData<string, string> Schemas => new()
    {
        { "person", """{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0,"maximum":150}},"required":["name","age"]}""" },
        { "nested", """{"type":"object","properties":{"id":{"type":"integer"},"address":{"type":"object","properties":{"street":{"type":"string","maxLength":12},"zip":{"type":"string","pattern":"^[0-9]{5}$"}},"required":["zip"]}},"required":["id","address"]}""" },
        { "tags", """{"type":"array","items":{"type":"string","minLength":1,"maxLength":6},"minItems":1,"maxItems":4}""" },
        { "enums", """{"type":"object","properties":{"color":{"enum":["red","green","blue"]},"v":{"const":2},"mix":{"enum":[1,"one",null,true,{"k":[1]}]}},"required":["color","v","mix"]}""" },
        { "optional-only", """{"type":"object","properties":{"a":{"type":"boolean"},"b":{"type":"null"},"c":{"type":"number","exclusiveMinimum":0}}}""" },
        { "closed", """{"type":"object","properties":{"x":{"type":"number","minimum":-1.5,"maximum":2},"y":{"type":"number"},"label":{"type":"string"}},"required":["x"],"additionalProperties":false}""" },
        { "bounded-string", """{"type":"string","minLength":2,"maxLength":8}""" },
        { "int-range", """{"type":"integer","minimum":-50,"maximum":1234}""" },
        { "any-of", """{"type":"object","properties":{"v":{"anyOf":[{"type":"string"},{"type":"integer","exclusiveMinimum":10},{"type":"null"}]}},"required":["v"]}""" },
        { "defs", """{"$defs":{"item":{"type":"object","properties":{"sku":{"type":"string","pattern":"^[A-Z]{2}-[0-9]{3}$"},"qty":{"type":"integer","minimum":1}},"required":["sku","qty"]}},"type":"object","properties":{"items":{"type":"array","items":{"$ref":"#/$defs/item"},"maxItems":3},"first":{"$ref":"#/$defs/item"}},"required":["items"]}""" },
        { "nullable", """{"type":"object","properties":{"note":{"type":["string","null"]},"n":{"type":["integer","boolean"]}},"required":["note","n"]}""" },
        { "tuple", """{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"},{"type":"boolean"}]}""" },
        { "patterns", """{"type":"object","properties":{"phone":{"type":"string","pattern":"^\\(?[0-9]{3}\\)? ?[0-9]{3}-[0-9]{4}$"},"code":{"type":"string","pattern":"^[^a-z]{2,4}$"},"free":{"type":"string","pattern":"x"}},"required":["phone","code","free"]}""" },
        { "formats", """{"type":"object","properties":{"day":{"type":"string","format":"date"},"at":{"type":"string","format":"time"},"ts":{"type":"string","format":"date-time"},"id":{"type":"string","format":"uuid"}},"required":["day","at","ts","id"]}""" },
        { "all-of", """{"allOf":[{"type":"object","properties":{"a":{"type":"integer"}}},{"properties":{"b":{"type":"string","maxLength":4}},"required":["b"]},{"anyOf":[{"properties":{"c":{"type":"boolean"}}}]}]}""" },
        { "additional", """{"type":"object","properties":{"ab":{"type":"string","maxLength":3}},"additionalProperties":{"type":"integer","minimum":0,"maximum":9}}""" },
        { "array-of-objects", """{"type":"array","items":{"type":"object","properties":{"k":{"type":"string","enum":["a","b"]},"v":{"type":"number"}},"required":["k"]},"minItems":2,"maxItems":3}""" },
        { "deep", """{"type":"object","properties":{"l1":{"type":"object","properties":{"l2":{"type":"array","items":{"type":"object","properties":{"l3":{"enum":["x","y"]}},"required":["l3"]},"maxItems":2}},"required":["l2"]}},"required":["l1"]}""" },
        { "recursive", """{"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer","minimum":0,"maximum":99},"kids":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},"required":["v"]}},"$ref":"#/$defs/node"}""" },
        { "one-of", """{"oneOf":[{"type":"object","properties":{"kind":{"const":"a"},"x":{"type":"integer"}},"required":["kind","x"]},{"type":"object","properties":{"kind":{"const":"b"},"y":{"type":"string","maxLength":5}},"required":["kind","y"]},{"type":"string","maxLength":3}]}""" },
        { "any-json", """{}""" },
    };

    [Theory]
    [MemberData(nameof(Schemas))]
    public void Qwen2CompletionsValidate(string name, string schema) =>
        CheckCompletions(name, schema, TestVocabularies.Qwen2, VocabularyHelpers.Qwen2);

    [Theory]
    [MemberData(nameof(Schemas))]
    public void StoriesCompletionsValidate(string name, string schema) =>
        CheckCompletions(name, schema, TestVocabularies.Stories, VocabularyHelpers.Stories);

    private static void CheckCompletions(string name, string schemaText, GrammarVocabulary vocabulary, VocabularyHelpers helpers)
    {
        var schema = JsonSchema.FromText(schemaText);
        var prototype = new GrammarMatcher(GbnfGrammar.Parse(JsonSchemaToGbnf.Convert(schemaText)), vocabulary);
        var allowed = new ulong[(vocabulary.Count + 63) / 64];
        for (int seed = 0; seed < CompletionsPerSchema; seed++)
        {
            var rng = new Random(seed * 7919 + name.Length);
            var matcher = prototype.Clone();
            var bytes = new List<byte>();
            int wrapUpAfter = rng.Next(3, 28); // then steer towards an end
            bool ended = false;
            string plan = ""; // ASCII text that ends the grammar, followed while wrapping up
            for (int step = 0; step < MaxTokens && !ended; step++)
            {
                matcher.FillAllowedTokens(allowed);
                int token = step >= wrapUpAfter ? WrapUp(matcher, allowed, vocabulary, helpers, rng, ref plan) : Pick(allowed, vocabulary, helpers, rng);
                Assert.True(token >= 0, $"{name} seed {seed}: no token allowed after {Show(bytes)}");
                Assert.True(matcher.IsAllowed(token));
                matcher.Accept(token);
                if (vocabulary.IsEndOfGeneration(token)) ended = true;
                else bytes.AddRange(vocabulary.Piece(token).ToArray());
            }
            Assert.True(ended, $"{name} seed {seed}: no end after {MaxTokens} tokens: {Show(bytes)}");

            string text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString([.. bytes]);
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(text);
            }
            catch (JsonException ex)
            {
                Assert.Fail($"{name} seed {seed}: output is not JSON ({ex.Message}): {JsonSerializer.Serialize(text)}");
                throw;
            }
            using (doc)
            {
                var result = schema.Evaluate(doc.RootElement);
                Assert.True(result.IsValid, $"{name} seed {seed}: output does not validate: {JsonSerializer.Serialize(text)}");
            }
        }
    }

    /// <summary>Random logits, masked: a uniformly random allowed token, now and then an end token where allowed.</summary>
    private static int Pick(ulong[] allowed, GrammarVocabulary vocabulary, VocabularyHelpers helpers, Random rng)
    {
        if (rng.Next(8) == 0)
        {
            foreach (int eog in helpers.EndTokens)
            {
                if (IsSet(allowed, eog)) return eog;
            }
        }
        for (int tries = 0; tries < 64; tries++)
        {
            int t = rng.Next(vocabulary.Count);
            if (IsSet(allowed, t) && !vocabulary.IsEndOfGeneration(t)) return t;
        }
        var ids = AllowedIds(allowed, vocabulary.Count);
        return ids.Count == 0 ? -1 : ids[rng.Next(ids.Count)];
    }

    /// <summary>
    /// Bias towards ending: an end token where allowed, else the allowed token covering most of the short text
    /// that lets the grammar end (computed once, then followed), else a random allowed token.
    /// </summary>
    private static int WrapUp(GrammarMatcher matcher, ulong[] allowed, GrammarVocabulary vocabulary, VocabularyHelpers helpers, Random rng, ref string plan)
    {
        foreach (int eog in helpers.EndTokens)
        {
            if (IsSet(allowed, eog)) return eog;
        }
        for (int attempt = 0; attempt < 2; attempt++)
        {
            for (int length = Math.Min(plan.Length, 24); length > 0; length--)
            {
                if (helpers.TokenByPiece.TryGetValue(plan[..length], out int t) && IsSet(allowed, t))
                {
                    plan = plan[length..];
                    return t;
                }
            }
            plan = matcher.CompletionText() ?? "";
        }
        return Pick(allowed, vocabulary, helpers, rng);
    }

    private static bool IsSet(ulong[] bits, int t) => (bits[t >> 6] & (1UL << t)) != 0;

    private static List<int> AllowedIds(ulong[] bits, int count)
    {
        var ids = new List<int>();
        for (int w = 0; w < bits.Length; w++)
        {
            ulong word = bits[w];
            while (word != 0)
            {
                int t = (w << 6) + BitOperations.TrailingZeroCount(word);
                if (t < count) ids.Add(t);
                word &= word - 1;
            }
        }
        return ids;
    }

    private static string Show(List<byte> bytes) => JsonSerializer.Serialize(Encoding.UTF8.GetString([.. bytes]));

    /// <summary>Per-vocabulary lookups the walk uses.</summary>
    private sealed class VocabularyHelpers
    {
        public static readonly VocabularyHelpers Qwen2 = new(TestVocabularies.Qwen2);
        public static readonly VocabularyHelpers Stories = new(TestVocabularies.Stories);

        private VocabularyHelpers(GrammarVocabulary vocabulary)
        {
            for (int t = 0; t < vocabulary.Count; t++)
            {
                if (vocabulary.IsEndOfGeneration(t)) EndTokens.Add(t);
                else if (vocabulary.Piece(t).Length > 0 && !vocabulary.Piece(t).ContainsAnyInRange((byte)0x80, (byte)0xFF))
                    TokenByPiece.TryAdd(Encoding.ASCII.GetString(vocabulary.Piece(t)), t);
            }
        }

        public List<int> EndTokens { get; } = [];

        /// <summary>ASCII pieces to their (lowest) token id.</summary>
        public Dictionary<string, int> TokenByPiece { get; } = new(StringComparer.Ordinal);
    }
}
