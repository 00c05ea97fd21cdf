using System.Text;
using Corral.Engine.Gguf;
using Corral.Engine.Grammar;
using Corral.Testing;

namespace Corral.Engine.Tests.Grammar;

/// <summary>
/// Test-only piece decoders (tokenizer spec A4/A12.1) for the shared vocabularies, so grammar tests run on real
/// token tables without the production tokenizer: GPT-2 byte-level BPE (qwen2) and SentencePiece (stories260K).
/// </summary>
internal static class TestVocabularies
{
    private static readonly Lazy<(byte[][] Pieces, List<int> EndOfGeneration)> s_qwen2Pieces = new(() => LoadPieces(RepoPaths.SharedFile("vocab", "ggml-vocab-qwen2.gguf")));
    private static readonly Lazy<(byte[][] Pieces, List<int> EndOfGeneration)> s_storiesPieces = new(() => LoadPieces(RepoPaths.SharedFile("models", "stories260K.gguf")));
    private static readonly Lazy<GrammarVocabulary> s_qwen2 = new(() => new GrammarVocabulary(s_qwen2Pieces.Value.Pieces, s_qwen2Pieces.Value.EndOfGeneration));
    private static readonly Lazy<GrammarVocabulary> s_stories = new(() => new GrammarVocabulary(s_storiesPieces.Value.Pieces, s_storiesPieces.Value.EndOfGeneration));

    /// <summary>Qwen2 piece bytes and end-of-generation ids.</summary>
    public static (byte[][] Pieces, List<int> EndOfGeneration) Qwen2Pieces => s_qwen2Pieces.Value;

    /// <summary>stories260K piece bytes and end-of-generation ids.</summary>
    public static (byte[][] Pieces, List<int> EndOfGeneration) StoriesPieces => s_storiesPieces.Value;

    /// <summary>Qwen2's 151,665-token byte-level BPE vocabulary.</summary>
    public static GrammarVocabulary Qwen2 => s_qwen2.Value;

    /// <summary>The 512-token SentencePiece vocabulary of stories260K.</summary>
    public static GrammarVocabulary Stories => s_stories.Value;

    // Token texts that end generation (tokenizer spec A2.4 step 10), enough for these vocabularies.
    private static readonly HashSet<string> s_endOfGenerationTexts =
    [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|endoftext|>", "</s>", "<|eom_id|>", "<|end_of_text|>", "<eos>",
        "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>",
    ];

    public static GrammarVocabulary Load(string path)
    {
        var (pieces, eog) = LoadPieces(path);
        return new GrammarVocabulary(pieces, eog);
    }

    public static (byte[][] Pieces, List<int> EndOfGeneration) LoadPieces(string path)
    {
        using var gguf = GgufFile.Open(path);
        string model = gguf.GetString("tokenizer.ggml.model") ?? throw new InvalidOperationException("no tokenizer model");
        string[] tokens = gguf.Get("tokenizer.ggml.tokens")!.AsStringArray();
        int[] types = gguf.Get("tokenizer.ggml.token_type")?.AsInt32Array() ?? new int[tokens.Length];
        var pieces = new byte[tokens.Length][];
        var eog = new List<int>();
        long eos = gguf.GetInt("tokenizer.ggml.eos_token_id", -1);
        for (int id = 0; id < tokens.Length; id++)
        {
            pieces[id] = model switch
            {
                "gpt2" => Gpt2Piece(tokens[id], types[id]),
                "llama" => SentencePiece(tokens[id], types[id]),
                _ => throw new NotSupportedException($"tokenizer model {model}"),
            };
            if (id == eos || s_endOfGenerationTexts.Contains(tokens[id])) eog.Add(id);
        }
        return (pieces, eog);
    }

    private const int Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Byte = 6;

    private static byte[] Gpt2Piece(string text, int type)
    {
        if (type is Control or UserDefined or Unknown) return Encoding.UTF8.GetBytes(text);
        var bytes = new List<byte>(text.Length);
        foreach (char c in text)
        {
            if (!s_unicodeToByte.TryGetValue(c, out byte b)) return Encoding.UTF8.GetBytes($"[UNK_BYTE_0x{(int)c:x}{text}]");
            bytes.Add(b);
        }
        return [.. bytes];
    }

    private static byte[] SentencePiece(string text, int type)
    {
        switch (type)
        {
            case Control or Unknown:
                return [];
            case Byte when text.Length == 6 && text.StartsWith("<0x", StringComparison.Ordinal):
                return [Convert.ToByte(text.Substring(3, 2), 16)];
            case Normal or UserDefined or Byte:
                return Encoding.UTF8.GetBytes(text.Replace('\u2581', ' '));
            default:
                return [];
        }
    }

    // GPT-2 byte↔unicode table (spec A4): printable Latin-1 bytes map to themselves, the other 68 bytes, in order, to U+0100….
    private static readonly Dictionary<char, byte> s_unicodeToByte = BuildGpt2Table();

    private static Dictionary<char, byte> BuildGpt2Table()
    {
        var map = new Dictionary<char, byte>();
        int next = 0x100;
        for (int b = 0; b < 256; b++)
        {
            bool direct = b is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[direct ? (char)b : (char)next++] = (byte)b;
        }
        return map;
    }
}
