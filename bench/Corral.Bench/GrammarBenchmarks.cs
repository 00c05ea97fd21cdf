using System.Text;
using BenchmarkDotNet.Attributes;
using Corral.Engine.Gguf;
using Corral.Engine.Grammar;

namespace Corral.Bench;

/// <summary>
/// Grammar-constrained sampling costs on Qwen2's 151,936-token vocabulary: the allowed set of typical JSON states
/// computed by walking the token trie (warm automaton, per-state cache bypassed: the cost of a state's first
/// mask), the full <c>ApplyMask</c> (per-state cache hit: the cost while a state repeats, as inside a string),
/// the first mask of a fresh request (cold automaton), the single-token check of the rejection-first strategy,
/// accepting a token, and building the vocabulary.
/// <c>dotnet run -c Release --project bench/Corral.Bench -- --filter '*GrammarBenchmarks*'</c>
/// </summary>
[MemoryDiagnoser]
public class GrammarBenchmarks
{
    private const int ModelVocabulary = 151_936;

    // A typical structured-output schema, through JsonSchemaToGbnf.
    private const string Schema = """
        {"type":"object","properties":{"name":{"type":"string"},"score":{"type":"number"},
         "tags":{"type":"array","items":{"type":"string"}}},"required":["name","score","tags"]}
        """;

    private GrammarVocabulary _vocabulary = null!;
    private byte[][] _pieces = null!;
    private List<int> _endOfGeneration = null!;
    private Dictionary<string, int> _tokenByPiece = null!;
    private GbnfGrammar _grammar = null!;
    private GbnfGrammar _ollamaJson = null!;
    private GrammarMatcher _objectStart = null!, _inString = null!, _afterNumber = null!, _inArray = null!, _ollamaInString = null!;
    private float[] _logits = null!;
    private ulong[] _bits = null!;
    private int _sampledAllowed, _sampledRejected, _acceptToken;

    [GlobalSetup]
    public void Setup()
    {
        string shared = Environment.GetEnvironmentVariable("CORRAL_SHARED") ?? FindShared();
        (_pieces, _endOfGeneration, _tokenByPiece) = LoadQwen2(Path.Combine(shared, "vocab", "ggml-vocab-qwen2.gguf"));
        _vocabulary = new GrammarVocabulary(_pieces, _endOfGeneration);
        _grammar = GbnfGrammar.Parse(JsonSchemaToGbnf.Convert(Schema));
        _ollamaJson = GbnfGrammar.Parse(OllamaJsonGrammar.Text);
        _logits = new float[ModelVocabulary];
        _bits = new ulong[(ModelVocabulary + 63) / 64];

        _objectStart = Prepared(_grammar, "{");
        _inString = Prepared(_grammar, "{\"name\": \"Jo");
        _afterNumber = Prepared(_grammar, "{\"name\": \"Jo\", \"score\": 12");
        _inArray = Prepared(_grammar, "{\"name\": \"Jo\", \"score\": 12, \"tags\": [\"a\", ");
        _ollamaInString = Prepared(_ollamaJson, "{\"name\": \"Jo");
        _sampledAllowed = _tokenByPiece["hn"];
        _sampledRejected = _tokenByPiece["{"];
        _acceptToken = _tokenByPiece["hn"];
    }

    [Benchmark(Description = "walk (uncached): object start")]
    public void WalkObjectStart() => _objectStart.ComputeAllowedTokensUncached(_bits);

    [Benchmark(Description = "walk (uncached): inside a string")]
    public void WalkInString() => _inString.ComputeAllowedTokensUncached(_bits);

    [Benchmark(Description = "walk (uncached): after a number")]
    public void WalkAfterNumber() => _afterNumber.ComputeAllowedTokensUncached(_bits);

    [Benchmark(Description = "walk (uncached): array of strings")]
    public void WalkInArray() => _inArray.ComputeAllowedTokensUncached(_bits);

    [Benchmark(Description = "walk (uncached): Ollama json, in a string")]
    public void WalkOllamaInString() => _ollamaInString.ComputeAllowedTokensUncached(_bits);

    [Benchmark(Description = "mask: object start")]
    public void MaskObjectStart() => _objectStart.ApplyMask(_logits);

    [Benchmark(Description = "mask: inside a string")]
    public void MaskInString() => _inString.ApplyMask(_logits);

    [Benchmark(Description = "mask: after a number")]
    public void MaskAfterNumber() => _afterNumber.ApplyMask(_logits);

    [Benchmark(Description = "mask: array of strings")]
    public void MaskInArray() => _inArray.ApplyMask(_logits);

    [Benchmark(Description = "mask: Ollama json, in a string")]
    public void MaskOllamaInString() => _ollamaInString.ApplyMask(_logits);

    [Benchmark(Description = "cold: new matcher + 4 tokens + mask")]
    public void ColdRequest()
    {
        var matcher = Prepared(_grammar, "{\"name\": \"Jo");
        matcher.ApplyMask(_logits);
    }

    [Benchmark(Description = "check sampled token (allowed)")]
    public bool CheckAllowed() => _inString.IsAllowed(_sampledAllowed);

    [Benchmark(Description = "check sampled token (rejected)")]
    public bool CheckRejected() => _afterNumber.IsAllowed(_sampledRejected);

    [Benchmark(Description = "build vocabulary (once per model)")]
    public GrammarVocabulary BuildVocabulary() => new(_pieces, _endOfGeneration);

    [Benchmark(Description = "clone + accept")]
    public void CloneAccept() => _inString.Clone().Accept(_acceptToken);

    private GrammarMatcher Prepared(GbnfGrammar grammar, string prefix)
    {
        var matcher = new GrammarMatcher(grammar, _vocabulary);
        foreach (int token in GreedyTokens(prefix)) matcher.Accept(token);
        matcher.ApplyMask(_logits); // warm the automaton for this state
        return matcher;
    }

    // Longest-match split over the pieces: not the real BPE tokenization, but a valid token path to the state.
    private IEnumerable<int> GreedyTokens(string text)
    {
        int pos = 0;
        while (pos < text.Length)
        {
            int len = text.Length - pos;
            while (!_tokenByPiece.ContainsKey(text.Substring(pos, len))) len--;
            yield return _tokenByPiece[text.Substring(pos, len)];
            pos += len;
        }
    }

    private static (byte[][] Pieces, List<int> EndOfGeneration, Dictionary<string, int> TokenByPiece) LoadQwen2(string path)
    {
        using var gguf = GgufFile.Open(path);
        string[] tokens = gguf.Get("tokenizer.ggml.tokens")!.AsStringArray();
        int[] types = gguf.Get("tokenizer.ggml.token_type")!.AsInt32Array();
        var byteOf = new Dictionary<char, byte>();
        int next = 0x100;
        for (int b = 0; b < 256; b++)
        {
            bool direct = b is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            byteOf[direct ? (char)b : (char)next++] = (byte)b;
        }
        var pieces = new byte[ModelVocabulary][];
        var eog = new List<int>();
        var tokenByPiece = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < ModelVocabulary; id++)
        {
            if (id >= tokens.Length)
            {
                pieces[id] = []; // padding rows of the model's output matrix
                continue;
            }
            // control (3) and user-defined (4) tokens render as their text; normal ones map back through the GPT-2 table
            pieces[id] = types[id] is 3 or 4 ? Encoding.UTF8.GetBytes(tokens[id]) : [.. tokens[id].Select(c => byteOf[c])];
            if (tokens[id] is "<|endoftext|>" or "<|im_end|>") eog.Add(id);
            if (types[id] == 1) tokenByPiece.TryAdd(Encoding.UTF8.GetString(pieces[id]), id);
        }
        return (pieces, eog, tokenByPiece);
    }

    private static string FindShared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "..", "shared");
            if (Directory.Exists(Path.Combine(candidate, "vocab"))) return Path.GetFullPath(candidate);
        }
        throw new InvalidOperationException("shared reference folder not found; set CORRAL_SHARED");
    }
}
