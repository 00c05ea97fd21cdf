using System.Collections.Concurrent;
using Corral.Engine.Gguf;
using Corral.Engine.Tokenizers;
using Corral.Testing;

namespace Corral.Engine.Tests.Tokenizers;

/// <summary>One test vector: an input text (raw UTF-8) and the ids llama.cpp/HF produce for it.</summary>
internal sealed record VocabCase(int Index, byte[] Input, int[] Expected)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Input);
}

/// <summary>Loads <c>../shared/vocab/ggml-vocab-*.gguf</c> and their <c>.inp</c>/<c>.out</c> vectors (spec A13).</summary>
internal static class VocabTestData
{
    private static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> s_tokenizers = new();
    private static readonly byte[] s_separator = "\n__ggml_vocab_test__\n"u8.ToArray();

    public static string GgufPath(string name) => RepoPaths.SharedFile("vocab", $"ggml-vocab-{name}.gguf");

    /// <summary>Names of every vocabulary that has test vectors beside it.</summary>
    public static IEnumerable<string> NamesWithVectors()
    {
        var dir = RepoPaths.SharedFile("vocab");
        return Directory.GetFiles(dir, "ggml-vocab-*.gguf.inp")
            .Select(p => Path.GetFileName(p)["ggml-vocab-".Length..^".gguf.inp".Length])
            .Order(StringComparer.Ordinal);
    }

    /// <summary>The tokenizer of a shared vocabulary, loaded once per test run.</summary>
    public static Tokenizer Tokenizer(string name) =>
        s_tokenizers.GetOrAdd(name, n => new Lazy<Tokenizer>(() =>
        {
            using var file = GgufFile.Open(GgufPath(n));
            return Corral.Engine.Tokenizers.Tokenizer.FromGguf(file);
        })).Value;

    public static Tokenizer Stories() =>
        s_tokenizers.GetOrAdd("@stories260K", _ => new Lazy<Tokenizer>(() =>
        {
            using var file = GgufFile.Open(RepoPaths.SharedFile("models", "stories260K.gguf"));
            return Corral.Engine.Tokenizers.Tokenizer.FromGguf(file);
        })).Value;

    /// <summary>Reads the vectors exactly as llama.cpp's test reader does.</summary>
    public static List<VocabCase> ReadCases(string name)
    {
        byte[] inp = File.ReadAllBytes(GgufPath(name) + ".inp");
        var inputs = new List<byte[]>();
        int pos = 0;
        while (pos < inp.Length)
        {
            int sep = inp.AsSpan(pos).IndexOf(s_separator);
            if (sep < 0)
            {
                inputs.Add(inp[pos..]); // a trailing piece without separator (non-empty by the loop condition)
                break;
            }
            inputs.Add(inp[pos..(pos + sep)]);
            pos += sep + s_separator.Length;
        }

        var lines = File.ReadAllText(GgufPath(name) + ".out").Split('\n');
        var cases = new List<VocabCase>();
        for (int i = 0; i < inputs.Count; i++)
        {
            if (i >= lines.Length) throw new InvalidDataException($"{name}.out has {lines.Length} lines for {inputs.Count} inputs");
            var ids = lines[i].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
            cases.Add(new VocabCase(i, inputs[i], ids));
        }
        return cases;
    }

    public static string Describe(IEnumerable<int> ids) => "[" + string.Join(", ", ids) + "]";
}
