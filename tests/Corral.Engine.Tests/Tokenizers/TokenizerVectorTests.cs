using Corral.Engine.Tokenizers;
using Xunit.Abstractions;

namespace Corral.Engine.Tests.Tokenizers;

/// <summary>Every input of every <c>../shared/vocab/*.inp</c> must tokenize to exactly the ids in its <c>.out</c>.</summary>
public sealed class TokenizerVectorTests(ITestOutputHelper output)
{
    public static TheoryData<string> VocabNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in VocabTestData.NamesWithVectors()) data.Add(name);
        return data;
    }

    [Fact]
    public void EveryVocabularyWithVectorsIsCovered()
    {
        // the shared folder holds 13 vocabularies with vectors; fail loudly if the reader finds none
        Assert.True(VocabTestData.NamesWithVectors().Count() >= 13);
    }

    [Theory]
    [MemberData(nameof(VocabNames))]
    public void Vectors_MatchExactly(string name)
    {
        var tokenizer = VocabTestData.Tokenizer(name);
        var cases = VocabTestData.ReadCases(name);
        Assert.NotEmpty(cases);
        var failures = new List<string>();
        var ids = new List<int>();
        foreach (var c in cases)
        {
            ids.Clear();
            tokenizer.Encode(c.Input, ids, addSpecial: false, parseSpecial: false);
            if (!ids.SequenceEqual(c.Expected))
                failures.Add($"case {c.Index} {Quote(c.Text)}:\n  expected {VocabTestData.Describe(c.Expected)}\n  actual   {VocabTestData.Describe(ids)}");
        }
        output.WriteLine($"{name}: {cases.Count - failures.Count}/{cases.Count} inputs match ({tokenizer.Vocabulary.Type}, pre '{tokenizer.Vocabulary.PreTokenizerName}')");
        Assert.True(failures.Count == 0, $"{name}: {failures.Count} of {cases.Count} inputs differ\n" + string.Join("\n", failures.Take(10)));
    }

    [Theory]
    [MemberData(nameof(VocabNames))]
    public void Vectors_StringOverloadAgrees(string name)
    {
        // the string path converts to UTF-8 itself; the vectors are valid UTF-8, so both paths must agree
        var tokenizer = VocabTestData.Tokenizer(name);
        foreach (var c in VocabTestData.ReadCases(name))
            Assert.Equal(c.Expected, tokenizer.Encode(c.Text, addSpecial: false, parseSpecial: false));
    }

    [Theory]
    [MemberData(nameof(VocabNames))]
    public void Vectors_ParseSpecialGivesSameIds(string name)
    {
        // spec A13: no standard input contains a special token text
        var tokenizer = VocabTestData.Tokenizer(name);
        foreach (var c in VocabTestData.ReadCases(name))
            Assert.Equal(c.Expected, tokenizer.Encode(c.Text, addSpecial: false, parseSpecial: true));
    }

    internal static string Quote(string s) =>
        "\"" + (s.Length > 60 ? s[..60] + "…" : s).Replace("\n", "\\n").Replace("\t", "\\t") + "\"";
}
