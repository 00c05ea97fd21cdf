using System.Text;
using System.Text.Json;
using Corral.Engine.Tokenizers;
using Corral.Testing;
using Xunit.Abstractions;

namespace Corral.Engine.Tests.Tokenizers;

/// <summary>
/// The goldens in <c>../shared/golden</c> were made by llama.cpp: prompts tokenized with BOS as the vocabulary
/// says and special tokens not parsed; <c>text</c> is the generated tokens' pieces concatenated, broken
/// UTF-8 shown as U+FFFD. Both must come out of our tokenizer unchanged.
/// </summary>
public sealed class GoldenPromptTests(ITestOutputHelper output)
{
    /// <summary>Golden file prefix → where its vocabulary comes from (shared/README.md, synth_gguf --vocab-from).</summary>
    private static readonly (string Prefix, Func<Tokenizer> Tokenizer)[] s_sources =
    [
        ("stories260K-", VocabTestData.Stories),
        ("llama-tiny-", VocabTestData.Stories),
        ("gemma2-tiny-", VocabTestData.Stories),
        ("gemma3-tiny-", VocabTestData.Stories),
        ("phi3-tiny-", () => VocabTestData.Tokenizer("phi-3")),
        ("qwen2-tiny-", () => VocabTestData.Tokenizer("qwen2")),
        ("qwen3-tiny-", () => VocabTestData.Tokenizer("qwen2")),
        ("llama3-tiny-", () => VocabTestData.Tokenizer("llama-bpe")),
    ];

    public static TheoryData<string> GoldenFiles()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(RepoPaths.SharedFile("golden"), "*.json").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(path));
        return data;
    }

    [Theory]
    [MemberData(nameof(GoldenFiles))]
    public void PromptTokensAndGeneratedText_Match(string golden)
    {
        var source = s_sources.FirstOrDefault(s => golden.StartsWith(s.Prefix, StringComparison.Ordinal));
        Assert.True(source.Tokenizer != null, $"no vocabulary source known for golden '{golden}'");
        var t = source.Tokenizer();
        using var doc = JsonDocument.Parse(File.ReadAllBytes(RepoPaths.SharedFile("golden", golden + ".json")));
        int cases = 0;
        foreach (var c in doc.RootElement.EnumerateArray())
        {
            string prompt = c.GetProperty("prompt").GetString()!;
            var expected = c.GetProperty("prompt_tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.Equal(expected, t.Encode(prompt, addSpecial: true, parseSpecial: false));

            var generated = c.GetProperty("generated").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var stream = t.CreateStreamingDetokenizer();
            var sb = new StringBuilder();
            foreach (int id in generated) sb.Append(stream.Append(id));
            sb.Append(stream.Flush());
            Assert.Equal(c.GetProperty("text").GetString(), sb.ToString());
            cases++;
        }
        output.WriteLine($"{golden}: {cases} prompts and generations match");
    }
}
