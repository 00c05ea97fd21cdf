using System.Text;
using Corral.Engine.Gguf;
using Corral.Engine.Tokenizers;
using Corral.Testing;

namespace Corral.Engine.Tests.Tokenizers;

/// <summary>
/// Writes tiny metadata-only GGUF files so tests can build vocabularies with exactly the tokens, types
/// and flags a case needs (LSTRIP/RSTRIP rules, unknown models, Unigram, ...).
/// </summary>
internal sealed class SyntheticVocab
{
    private readonly List<(string Key, uint Type, byte[] Payload)> _entries = [];

    public SyntheticVocab Str(string key, string value) => Add(key, 8, EncodeString(value));

    public SyntheticVocab U32(string key, uint value) => Add(key, 4, BitConverter.GetBytes(value));

    public SyntheticVocab Bool(string key, bool value) => Add(key, 7, [value ? (byte)1 : (byte)0]);

    public SyntheticVocab Strings(string key, IEnumerable<string> values)
    {
        var list = values.ToList();
        var ms = new MemoryStream();
        ms.Write(BitConverter.GetBytes(8u));
        ms.Write(BitConverter.GetBytes((long)list.Count));
        foreach (var s in list) ms.Write(EncodeString(s));
        return Add(key, 9, ms.ToArray());
    }

    public SyntheticVocab Floats(string key, IEnumerable<float> values) => Array(key, 6, values.SelectMany(BitConverter.GetBytes).ToArray(), values.Count());

    public SyntheticVocab Ints(string key, IEnumerable<int> values) => Array(key, 5, values.SelectMany(BitConverter.GetBytes).ToArray(), values.Count());

    public SyntheticVocab Bytes(string key, byte[] values) => Array(key, 0, values, values.Length);

    private SyntheticVocab Array(string key, uint elementType, byte[] data, int count)
    {
        var ms = new MemoryStream();
        ms.Write(BitConverter.GetBytes(elementType));
        ms.Write(BitConverter.GetBytes((long)count));
        ms.Write(data);
        return Add(key, 9, ms.ToArray());
    }

    private SyntheticVocab Add(string key, uint type, byte[] payload)
    {
        _entries.RemoveAll(e => e.Key == key);
        _entries.Add((key, type, payload));
        return this;
    }

    /// <summary>A vocabulary with the given tokens (type NORMAL unless listed in <paramref name="types"/>).</summary>
    public static SyntheticVocab Create(string model, IReadOnlyList<string> tokens, IReadOnlyDictionary<int, TokenType>? types = null, IReadOnlyList<float>? scores = null)
    {
        var v = new SyntheticVocab()
            .Str("general.architecture", "llama")
            .Str("general.name", "synthetic")
            .Str("tokenizer.ggml.model", model)
            .Strings("tokenizer.ggml.tokens", tokens)
            .Ints("tokenizer.ggml.token_type", Enumerable.Range(0, tokens.Count).Select(i => (int)(types != null && types.TryGetValue(i, out var t) ? t : TokenType.Normal)));
        if (scores != null) v.Floats("tokenizer.ggml.scores", scores);
        return v;
    }

    public byte[] ToBytes()
    {
        var ms = new MemoryStream();
        ms.Write(BitConverter.GetBytes(GgufFile.Magic));
        ms.Write(BitConverter.GetBytes(3u));
        ms.Write(BitConverter.GetBytes(0L));
        ms.Write(BitConverter.GetBytes((long)_entries.Count));
        foreach (var (key, type, payload) in _entries)
        {
            ms.Write(EncodeString(key));
            ms.Write(BitConverter.GetBytes(type));
            ms.Write(payload);
        }
        return ms.ToArray();
    }

    /// <summary>Writes the file to the test cache and opens it; the caller disposes.</summary>
    public GgufFile Open()
    {
        var path = Path.Combine(RepoPaths.Cache, $"synthetic-vocab-{Guid.NewGuid():N}.gguf");
        File.WriteAllBytes(path, ToBytes());
        try
        {
            return GgufFile.Open(path);
        }
        finally
        {
            File.Delete(path); // the mapping stays valid on Linux; nothing is left behind
        }
    }

    public Vocabulary LoadVocabulary()
    {
        using var file = Open();
        return Vocabulary.FromGguf(file);
    }

    public Tokenizer LoadTokenizer()
    {
        using var file = Open();
        return Tokenizer.FromGguf(file);
    }

    private static byte[] EncodeString(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        return [.. BitConverter.GetBytes((long)bytes.Length), .. bytes];
    }
}
