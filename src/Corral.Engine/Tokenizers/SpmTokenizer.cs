using System.Runtime.CompilerServices;
using Corral.Engine.Tokenizers.Unicode;

namespace Corral.Engine.Tokenizers;

/// <summary>
/// SentencePiece BPE-by-score (<c>tokenizer.ggml.model = llama</c>, spec A5): start from one symbol per
/// UTF-8 character, repeatedly merge the adjacent pair whose concatenation is the highest-scoring vocabulary
/// token, and spell whatever stays unknown as <c>&lt;0xXX&gt;</c> byte tokens.
/// </summary>
internal sealed class SpmTokenizer : Tokenizer
{
    private static ReadOnlySpan<byte> EscapedSpace => "\u2581"u8;

    private readonly Utf8StringTable _index;
    private readonly float[] _scores;
    private readonly int[] _byteTokens;

    [ThreadStatic] private static Scratch? t_scratch;

    public SpmTokenizer(Vocabulary vocabulary) : base(vocabulary)
    {
        _index = vocabulary.Index;
        _scores = new float[vocabulary.Count];
        for (int i = 0; i < _scores.Length; i++)
        {
            float s = vocabulary.GetScore(i);
            _scores[i] = s == 0 ? 0 : s; // -0.0 and 0.0 tie in llama.cpp's comparison
        }
        _byteTokens = BuildByteTokens(vocabulary);
    }

    /// <summary>
    /// <c>byte_to_token</c>: <c>&lt;0xXX&gt;</c>, else the one-byte token. llama.cpp throws when neither exists;
    /// we fall back to UNK (or drop the byte when there is no UNK either).
    /// </summary>
    internal static int[] BuildByteTokens(Vocabulary vocabulary)
    {
        var result = new int[256];
        Span<byte> name = stackalloc byte[6];
        "<0x00>"u8.CopyTo(name);
        for (int b = 0; b < 256; b++)
        {
            name[3] = (byte)"0123456789ABCDEF"[b >> 4];
            name[4] = (byte)"0123456789ABCDEF"[b & 15];
            int id = vocabulary.Find(name);
            if (id < 0) id = vocabulary.Find([(byte)b]);
            result[b] = id >= 0 ? id : vocabulary.Unknown;
        }
        return result;
    }

    private protected override void EncodeFragments(ReadOnlySpan<byte> text, List<TextFragment> fragments, List<int> output, bool addSpecial)
    {
        var v = Vocabulary;
        if (addSpecial && v.AddBos) AddIfSet(output, v.Bos);
        var scratch = t_scratch ??= new Scratch();
        bool previousWasSpecial = true; // the first raw fragment gets the space prefix even without BOS
        foreach (var fragment in fragments)
        {
            if (!fragment.IsText)
            {
                output.Add(fragment.Token);
                previousWasSpecial = true;
                continue;
            }
            var raw = text.Slice(fragment.Start, fragment.Length);
            int escapedLength = Escape(raw, v.AddSpacePrefix && previousWasSpecial, scratch);
            Tokenize(scratch.Text.AsSpan(0, escapedLength), scratch, output);
            previousWasSpecial = false;
        }
        if (addSpecial && v.AddEos) AddIfSet(output, v.Eos);
        if (scratch.Symbols.Length > Scratch.KeepLimit) t_scratch = null; // do not pin huge buffers to the thread
    }

    /// <summary>Optional leading space, then every ' ' → ▁ (E2 96 81), into the scratch text buffer.</summary>
    private static int Escape(ReadOnlySpan<byte> raw, bool prefixSpace, Scratch scratch)
    {
        int spaces = raw.Count((byte)' ') + (prefixSpace ? 1 : 0);
        int length = raw.Length + (prefixSpace ? 1 : 0) + spaces * (EscapedSpace.Length - 1);
        var dst = scratch.EnsureText(length);
        int o = 0;
        if (prefixSpace)
        {
            EscapedSpace.CopyTo(dst.AsSpan(o));
            o += EscapedSpace.Length;
        }
        while (true)
        {
            int i = raw.IndexOf((byte)' ');
            if (i < 0) break;
            raw[..i].CopyTo(dst.AsSpan(o));
            o += i;
            EscapedSpace.CopyTo(dst.AsSpan(o));
            o += EscapedSpace.Length;
            raw = raw[(i + 1)..];
        }
        raw.CopyTo(dst.AsSpan(o));
        return o + raw.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Tokenize(ReadOnlySpan<byte> text, Scratch scratch, List<int> output)
    {
        if (text.IsEmpty) return;
        var symbols = scratch.EnsureSymbols(text.Length);
        int count = 0;
        for (int offset = 0; offset < text.Length;)
        {
            int length = Math.Min(Utf8Text.SequenceLength(text[offset]), text.Length - offset);
            symbols[count] = new Symbol(offset, length, count - 1, offset + length == text.Length ? -1 : count + 1);
            offset += length;
            count++;
        }

        var queue = scratch.Queue;
        queue.Clear();
        for (int i = 1; i < count; i++) TryAddBigram(text, symbols, i - 1, i, queue);

        while (queue.TryDequeue(out var bigram, out _))
        {
            ref var left = ref symbols[bigram.Left];
            ref var right = ref symbols[bigram.Right];
            if (left.Length == 0 || right.Length == 0 || left.Length + right.Length != bigram.Size) continue; // stale

            left.Length += right.Length;
            right.Length = 0;
            left.Next = right.Next;
            if (right.Next >= 0) symbols[right.Next].Prev = bigram.Left;

            TryAddBigram(text, symbols, left.Prev, bigram.Left, queue);
            TryAddBigram(text, symbols, bigram.Left, left.Next, queue);
        }

        // Every merged symbol is a vocabulary token by construction, so llama.cpp's rev_merge
        // re-segmentation never applies: a symbol is a token or a single unknown character.
        for (int i = 0; i != -1; i = symbols[i].Next)
        {
            var symbol = text.Slice(symbols[i].Start, symbols[i].Length);
            int id = _index.Find(symbol);
            if (id >= 0)
            {
                output.Add(id);
                continue;
            }
            foreach (byte b in symbol)
            {
                int byteToken = _byteTokens[b];
                if (byteToken >= 0) output.Add(byteToken);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void TryAddBigram(ReadOnlySpan<byte> text, Symbol[] symbols, int left, int right, PriorityQueue<Bigram, ulong> queue)
    {
        if (left < 0 || right < 0) return;
        int size = symbols[left].Length + symbols[right].Length;
        int id = _index.Find(text.Slice(symbols[left].Start, size));
        if (id < 0) return;
        queue.Enqueue(new Bigram(left, right, size), Priority(_scores[id], left));
    }

    /// <summary>Min-heap key: higher score first, then smaller left index (llama.cpp's comparator).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Priority(float score, int left)
    {
        uint bits = BitConverter.SingleToUInt32Bits(score);
        uint ascending = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u; // orders like the float
        return ((ulong)~ascending << 32) | (uint)left;
    }

    private protected override void AppendPiece(int id, List<byte> piece)
    {
        var attributes = Vocabulary.GetAttributes(id);
        var text = Vocabulary.GetTextUtf8(id);
        if ((attributes & TokenAttributes.Normal) != 0) AppendUnescapingSpaces(text, piece);
        else if ((attributes & TokenAttributes.Byte) != 0 && ParseByteToken(text) is >= 0 and var b) piece.Add((byte)b);
    }

    /// <summary>byte_to_token('\n'); where llama.cpp's lookup throws it falls back to the padding id.</summary>
    private protected override int FindNewlineToken()
    {
        int id = Vocabulary.Find("<0x0A>");
        if (id < 0) id = Vocabulary.Find("\n");
        return id >= 0 ? id : Vocabulary.Padding;
    }

    private struct Symbol(int start, int length, int prev, int next)
    {
        public int Start = start;
        public int Length = length;
        public int Prev = prev;
        public int Next = next;
    }

    private readonly record struct Bigram(int Left, int Right, int Size);

    private sealed class Scratch
    {
        public const int KeepLimit = 1 << 16;
        public byte[] Text = new byte[256];
        public Symbol[] Symbols = new Symbol[256];
        public readonly PriorityQueue<Bigram, ulong> Queue = new();

        public byte[] EnsureText(int length)
        {
            if (Text.Length < length) Text = new byte[Math.Max(length, Text.Length * 2)];
            return Text;
        }

        public Symbol[] EnsureSymbols(int length)
        {
            if (Symbols.Length < length) Symbols = new Symbol[Math.Max(length, Symbols.Length * 2)];
            return Symbols;
        }
    }
}
