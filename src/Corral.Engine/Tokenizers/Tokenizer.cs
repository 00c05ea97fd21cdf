using System.Buffers;
using System.Text;
using Corral.Engine.Gguf;

namespace Corral.Engine.Tokenizers;

/// <summary>
/// Text ↔ token ids for one model, bit-exact with llama.cpp's <c>llama_tokenize</c> /
/// <c>llama_token_to_piece</c> / <c>llama_detokenize</c> (spec A3, A12). Create one per model with
/// <see cref="FromGguf"/>; instances are immutable and thread-safe (per-call scratch is thread-local).
/// </summary>
public abstract class Tokenizer
{
    private readonly SpecialTokenSplitter _splitter;
    private byte[] _pieceBlob = [];
    private int[] _pieceOffsets = [];

    [ThreadStatic] private static List<TextFragment>? t_fragments;
    [ThreadStatic] private static List<int>? t_output;

    protected Tokenizer(Vocabulary vocabulary)
    {
        Vocabulary = vocabulary ?? throw new ArgumentNullException(nameof(vocabulary));
        _splitter = new SpecialTokenSplitter(vocabulary);
    }

    public Vocabulary Vocabulary { get; }

    /// <summary>
    /// Loads the vocabulary of <paramref name="file"/> and builds the tokenizer that
    /// <c>tokenizer.ggml.model</c> names.
    /// </summary>
    /// <exception cref="TokenizerException">no tokenizer metadata, or a tokenizer Corral does not implement.</exception>
    public static Tokenizer FromGguf(GgufFile file) => Create(Vocabulary.FromGguf(file));

    /// <summary>Builds the tokenizer for an already loaded vocabulary.</summary>
    public static Tokenizer Create(Vocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        Tokenizer tokenizer = vocabulary.Type switch
        {
            VocabularyType.Spm => new SpmTokenizer(vocabulary),
            VocabularyType.Bpe when vocabulary.Model is "hybriddna" or "whitespace" =>
                throw new TokenizerException($"the tokenizer model '{vocabulary.Model}' is not supported yet"),
            VocabularyType.Bpe => new BpeTokenizer(vocabulary),
            VocabularyType.Wpm => new WpmTokenizer(vocabulary),
            VocabularyType.Ugm => new UgmTokenizer(vocabulary),
            VocabularyType.None => throw new TokenizerException("this model has no tokenizer (tokenizer.ggml.model is 'none'); it can only be used with token ids"),
            _ => throw new TokenizerException($"the tokenizer model '{vocabulary.Model}' is not supported yet"),
        };
        tokenizer.BuildPieceCache();
        vocabulary.Newline = tokenizer.FindNewlineToken();
        return tokenizer;
    }

    // ---------------------------------------------------------------------------------------------
    // Encoding
    // ---------------------------------------------------------------------------------------------

    /// <summary>Tokenizes <paramref name="text"/>.</summary>
    /// <param name="addSpecial">add BOS/EOS (CLS/SEP for WordPiece) as the vocabulary asks.</param>
    /// <param name="parseSpecial">turn the texts of CONTROL tokens (e.g. <c>&lt;|im_start|&gt;</c>) into those tokens; USER_DEFINED tokens are always recognised.</param>
    public int[] Encode(string text, bool addSpecial, bool parseSpecial)
    {
        var output = t_output ??= new List<int>();
        output.Clear();
        Encode(text, output, addSpecial, parseSpecial);
        var result = output.ToArray();
        if (output.Capacity > 1 << 16) t_output = null; // do not pin huge buffers to the thread
        else output.Clear();
        return result;
    }

    /// <summary>Tokenizes <paramref name="text"/>, appending the ids to <paramref name="output"/>.</summary>
    public void Encode(string text, List<int> output, bool addSpecial, bool parseSpecial)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(output);
        // lone surrogates become U+FFFD (EF BF BD), as llama.cpp would see them after UTF-8 conversion
        byte[] rented = ArrayPool<byte>.Shared.Rent(Math.Max(16, Encoding.UTF8.GetMaxByteCount(text.Length)));
        try
        {
            int n = Encoding.UTF8.GetBytes(text, rented);
            Encode(rented.AsSpan(0, n), output, addSpecial, parseSpecial);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Tokenizes UTF-8 <paramref name="utf8"/> (invalid sequences are handled like llama.cpp), appending to <paramref name="output"/>.</summary>
    public void Encode(ReadOnlySpan<byte> utf8, List<int> output, bool addSpecial, bool parseSpecial)
    {
        ArgumentNullException.ThrowIfNull(output);
        var fragments = t_fragments ??= new List<TextFragment>();
        _splitter.Split(utf8, parseSpecial, fragments);
        try
        {
            EncodeFragments(utf8, fragments, output, addSpecial);
        }
        finally
        {
            fragments.Clear();
        }
    }

    /// <summary>
    /// Assembles the ids for a partitioned input (spec A3.2): BOS/EOS handling and the model's
    /// algorithm on each raw fragment.
    /// </summary>
    private protected abstract void EncodeFragments(ReadOnlySpan<byte> text, List<TextFragment> fragments, List<int> output, bool addSpecial);

    private protected void AddIfSet(List<int> output, int token)
    {
        // llama.cpp asserts here; a vocabulary that asks for a BOS/EOS it lacks simply gets none
        if (token != Vocabulary.NullToken) output.Add(token);
    }

    // ---------------------------------------------------------------------------------------------
    // Decoding
    // ---------------------------------------------------------------------------------------------

    /// <summary>
    /// The bytes token <paramref name="id"/> stands for (spec A12.1; no leading-space strip). With
    /// <paramref name="special"/> false, CONTROL and UNKNOWN tokens give nothing. May be part of a UTF-8
    /// character (byte tokens).
    /// </summary>
    public ReadOnlySpan<byte> TokenToPiece(int id, bool special)
    {
        if (!Vocabulary.Contains(id))
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is outside the vocabulary (0..{Vocabulary.Count - 1})");
        if (!special && (Vocabulary.GetAttributes(id) & (TokenAttributes.Unknown | TokenAttributes.Control)) != 0) return default;
        int start = _pieceOffsets[id];
        return new ReadOnlySpan<byte>(_pieceBlob, start, _pieceOffsets[id + 1] - start);
    }

    /// <summary>
    /// Turns ids back into text like <c>llama_detokenize</c> (spec A12.2): optional removal of the added
    /// BOS/EOS, the SPM leading space dropped, HF clean-up of spaces when the vocabulary asks for it.
    /// Bytes that are not part of a well-formed UTF-8 character become U+FFFD, one per byte.
    /// </summary>
    public string Detokenize(ReadOnlySpan<int> tokens, bool removeSpecial = false, bool unparseSpecial = false)
    {
        var writer = new ArrayBufferWriter<byte>(Math.Max(16, tokens.Length * 4));
        DetokenizeToUtf8(tokens, writer, removeSpecial, unparseSpecial);
        return Utf8Replacement.ToString(writer.WrittenSpan);
    }

    /// <summary>As <see cref="Detokenize"/>, writing the raw UTF-8 bytes (possibly ending mid-character).</summary>
    public void DetokenizeToUtf8(ReadOnlySpan<int> tokens, IBufferWriter<byte> destination, bool removeSpecial = false, bool unparseSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var v = Vocabulary;
        bool removeSpace = v.AddSpacePrefix;
        if (removeSpecial && v.AddBos && tokens.Length > 0 && tokens[0] == v.Bos)
        {
            removeSpace = false;
            tokens = tokens[1..];
        }
        if (removeSpecial && v.AddEos && tokens.Length > 0 && tokens[^1] == v.Eos) tokens = tokens[..^1];

        if (!v.CleanSpaces)
        {
            foreach (int id in tokens)
            {
                var piece = TokenToPiece(id, unparseSpecial);
                if (removeSpace && !piece.IsEmpty && piece[0] == ' ') piece = piece[1..];
                removeSpace = false;
                destination.Write(piece);
            }
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(Math.Max(16, tokens.Length * 4));
        foreach (int id in tokens)
        {
            var piece = TokenToPiece(id, unparseSpecial);
            if (removeSpace && !piece.IsEmpty && piece[0] == ' ') piece = piece[1..];
            removeSpace = false;
            buffer.Write(piece);
        }
        var text = buffer.WrittenSpan.ToArray();
        int length = CleanUpSpaces(text);
        destination.Write(text.AsSpan(0, length));
    }

    /// <summary>A per-sequence decoder for streaming output that never splits a UTF-8 character.</summary>
    public StreamingDetokenizer CreateStreamingDetokenizer(bool special = false) => new(this, special);

    /// <summary>
    /// HF <c>clean_up_tokenization_spaces</c> exactly as llama.cpp runs it: three in-place passes over the
    /// bytes, whose quirks (e.g. the second pass reading a byte it already blanked) are part of the result.
    /// </summary>
    internal static int CleanUpSpaces(Span<byte> text)
    {
        // pass 1: drop a space before ? ! . ,
        int total1 = text.Length;
        int total = total1 > 0 ? 1 : 0;
        for (int i = 1; i < total1; i++)
        {
            byte x = text[i];
            if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ','))
                total--;
            text[total++] = x;
        }

        // pass 2: " ' " → "'"
        int total2 = total;
        total = total2 > 0 ? 1 : 0;
        for (int i = 1; i < total2; i++)
        {
            byte x = text[i];
            if (x == '\'' && i + 1 < total2 && text[i - 1] == ' ' && text[i + 1] == ' ')
            {
                total--;
                text[++i] = 0;
            }
            text[total++] = x;
        }

        // pass 3: drop the space in " 's", " 'm", " 're", " 've"
        int total3 = total;
        total = total3 > 0 ? 1 : 0;
        for (int i = 1; i < total3; i++)
        {
            byte x = text[i];
            if (text[i - 1] == ' ' && x == '\'' && i + 1 < total3)
            {
                byte x1 = text[i + 1];
                if (x1 == 's' || x1 == 'm')
                {
                    total--;
                }
                else if (x1 != 't' && x1 != 'd' && i + 2 < total3)
                {
                    byte x2 = text[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) total--;
                }
            }
            text[total++] = x;
        }
        return total;
    }

    /// <summary>The piece of a token as cached by llama.cpp (special = true), spec A12.1.</summary>
    private protected abstract void AppendPiece(int id, List<byte> piece);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void BuildPieceCache()
    {
        var v = Vocabulary;
        var offsets = new int[v.Count + 1];
        var blob = new List<byte>(v.Count * 6);
        for (int id = 0; id < v.Count; id++)
        {
            offsets[id] = blob.Count;
            var attributes = v.GetAttributes(id);
            if ((attributes & (TokenAttributes.Unknown | TokenAttributes.Control | TokenAttributes.UserDefined)) != 0)
                blob.AddRange(v.GetTextUtf8(id));
            else
                AppendPiece(id, blob);
        }
        offsets[v.Count] = blob.Count;
        _pieceOffsets = offsets;
        _pieceBlob = blob.ToArray();
    }

    /// <summary>Spec A2.2: SPM → byte token of '\n'; WPM → padding; others → first id of tokenize("\n").</summary>
    private protected virtual int FindNewlineToken()
    {
        var ids = Encode("\n", addSpecial: false, parseSpecial: false);
        return ids.Length > 0 ? ids[0] : Vocabulary.Padding;
    }

    /// <summary>Appends <paramref name="text"/> with every U+2581 (▁) replaced by a space.</summary>
    private protected static void AppendUnescapingSpaces(ReadOnlySpan<byte> text, List<byte> output)
    {
        ReadOnlySpan<byte> escapedSpace = "\u2581"u8;
        while (true)
        {
            int i = text.IndexOf(escapedSpace);
            if (i < 0)
            {
                output.AddRange(text);
                return;
            }
            output.AddRange(text[..i]);
            output.Add((byte)' ');
            text = text[(i + escapedSpace.Length)..];
        }
    }

    /// <summary>The byte of a <c>&lt;0xXX&gt;</c> token, or -1 when the text is not in that form.</summary>
    private protected static int ParseByteToken(ReadOnlySpan<byte> text)
    {
        if (text.Length != 6 || text[0] != '<' || text[1] != '0' || text[2] != 'x' || text[5] != '>') return -1;
        int hi = HexValue(text[3]), lo = HexValue(text[4]);
        return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        _ => -1,
    };
}
