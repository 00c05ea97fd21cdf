using System.Runtime.CompilerServices;
using Corral.Engine.Tokenizers.PreTokenizers;
using Corral.Engine.Tokenizers.Unicode;

namespace Corral.Engine.Tokenizers;

/// <summary>
/// Byte-level BPE (<c>tokenizer.ggml.model = gpt2</c>/<c>gemma4</c>, spec A6): pre-tokenize into words,
/// write each word in the GPT-2 byte alphabet, start from one symbol per byte and apply merges in rank
/// order. Gemma-4/Sarvam-style vocabularies skip the byte alphabet and fall back to <c>&lt;0xXX&gt;</c>.
/// </summary>
internal sealed class BpeTokenizer : Tokenizer
{
    private static ReadOnlySpan<byte> EscapedSpace => "\u2581"u8;

    private readonly PreTokenizer _preTokenizer;
    private readonly bool _byteEncoded;
    private readonly bool _ignoreMerges;
    private readonly bool _newlineWordsWhole;
    private readonly BpeMergeTable _merges;
    private readonly Utf8StringTable _symbols;
    private readonly int _vocabularyCount;
    private readonly int[] _byteSymbol;      // byte-encoded mode: original byte → id of its GPT-2 character
    private readonly int[] _fallbackToken;   // a symbol that is not a token is spelled with these (or dropped)

    [ThreadStatic] private static Scratch? t_scratch;

    public BpeTokenizer(Vocabulary vocabulary) : base(vocabulary)
    {
        _preTokenizer = PreTokenizer.For(vocabulary.PreTokenizer);
        _byteEncoded = PreTokenizerCatalog.UsesByteEncoding(vocabulary.PreTokenizer);
        _ignoreMerges = vocabulary.IgnoreMerges;
        _newlineWordsWhole = vocabulary.PreTokenizer == PreTokenizerKind.Gemma4;
        _merges = new BpeMergeTable(vocabulary);
        _symbols = _merges.Symbols;
        _vocabularyCount = vocabulary.Count;

        _byteSymbol = new int[256];
        _fallbackToken = new int[256];
        Span<byte> utf8 = stackalloc byte[4];
        for (int b = 0; b < 256; b++)
        {
            int n = Utf8Text.Encode(Gpt2ByteMap.ToCodepoint((byte)b), utf8);
            _byteSymbol[b] = _symbols.Find(utf8[..n]);
            // byte-encoded: only printable ASCII is its own one-byte string; other lone bytes never match
            _fallbackToken[b] = _byteEncoded
                ? (b is >= 0x21 and <= 0x7E ? vocabulary.Find([(byte)b]) : -1)
                : vocabulary.Find($"<0x{b:X2}>");
        }
    }

    private protected override void EncodeFragments(ReadOnlySpan<byte> text, List<TextFragment> fragments, List<int> output, bool addSpecial)
    {
        var v = Vocabulary;
        if (addSpecial && v.AddBos) AddIfSet(output, v.Bos);
        var scratch = t_scratch ??= new Scratch();
        foreach (var fragment in fragments)
        {
            if (!fragment.IsText)
            {
                output.Add(fragment.Token);
                continue;
            }
            var raw = text.Slice(fragment.Start, fragment.Length);
            if (v.EscapeWhitespaces) raw = scratch.EscapeSpaces(raw);
            EncodeRaw(raw, scratch, output);
        }
        if (addSpecial && v.AddEos) AddIfSet(output, v.Eos);
        scratch.TrimIfHuge(ref t_scratch);
    }

    private void EncodeRaw(ReadOnlySpan<byte> raw, Scratch scratch, List<int> output)
    {
        var input = scratch.Input;
        input.Load(raw);
        _preTokenizer.Split(input, scratch.Words, scratch.Spare);
        foreach (var word in scratch.Words) EncodeWord(input.Codepoints.AsSpan(word.Start, word.Length), scratch, output);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EncodeWord(ReadOnlySpan<int> codepoints, Scratch scratch, List<int> output)
    {
        if (codepoints.IsEmpty) return;
        var bytes = scratch.EnsureWordBytes(codepoints.Length * 4);
        int length = 0;
        foreach (int cpt in codepoints) length += Utf8Text.Encode(cpt, bytes.AsSpan(length));
        var word = bytes.AsSpan(0, length);

        var symbols = scratch.EnsureSymbols(length);
        int count = 0;
        if (_byteEncoded)
        {
            if (_ignoreMerges)
            {
                int whole = _symbols.Find(scratch.Gpt2Encode(word));
                if ((uint)whole < (uint)_vocabularyCount)
                {
                    output.Add(whole);
                    return;
                }
            }
            for (int i = 0; i < length; i++) symbols[count++] = new Symbol(_byteSymbol[word[i]], i, 1, i - 1, i + 1 == length ? -1 : i + 1);
        }
        else
        {
            if (_ignoreMerges || (_newlineWordsWhole && !word.ContainsAnyExcept((byte)'\n')))
            {
                int whole = _symbols.Find(word);
                if ((uint)whole < (uint)_vocabularyCount)
                {
                    output.Add(whole);
                    return;
                }
            }
            for (int offset = 0; offset < length;)
            {
                int n = Math.Min(Utf8Text.SequenceLength(word[offset]), length - offset);
                symbols[count] = new Symbol(_symbols.Find(word.Slice(offset, n)), offset, n, count - 1, offset + n == length ? -1 : count + 1);
                offset += n;
                count++;
            }
        }

        var queue = scratch.Queue;
        queue.Clear();
        for (int i = 1; i < count; i++) TryAddPair(symbols, i - 1, i, queue);

        while (queue.TryDequeue(out var pair, out _))
        {
            ref var left = ref symbols[pair.Left];
            ref var right = ref symbols[pair.Right];
            if (left.Length == 0 || right.Length == 0 || left.Length + right.Length != pair.Size) continue; // stale

            left.Length += right.Length;
            left.Id = pair.Result;
            right.Length = 0;
            left.Next = right.Next;
            if (right.Next >= 0) symbols[right.Next].Prev = pair.Left;

            TryAddPair(symbols, left.Prev, pair.Left, queue);
            TryAddPair(symbols, pair.Left, left.Next, queue);
        }

        for (int i = 0; i != -1; i = symbols[i].Next)
        {
            ref var symbol = ref symbols[i];
            if ((uint)symbol.Id < (uint)_vocabularyCount)
            {
                output.Add(symbol.Id);
                continue;
            }
            // not a token: spell it byte by byte; bytes without a token are dropped (as llama.cpp does)
            foreach (byte b in word.Slice(symbol.Start, symbol.Length))
            {
                int id = _fallbackToken[b];
                if (id >= 0) output.Add(id);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void TryAddPair(Symbol[] symbols, int left, int right, PriorityQueue<Pair, ulong> queue)
    {
        if (left < 0 || right < 0) return;
        int leftId = symbols[left].Id, rightId = symbols[right].Id;
        if (leftId < 0 || rightId < 0 || !_merges.TryGet(leftId, rightId, out int rank, out int result)) return;
        queue.Enqueue(new Pair(left, right, symbols[left].Length + symbols[right].Length, result), ((ulong)(uint)rank << 32) | (uint)left);
    }

    private protected override void AppendPiece(int id, List<byte> piece)
    {
        var attributes = Vocabulary.GetAttributes(id);
        var text = Vocabulary.GetTextUtf8(id);
        if ((attributes & TokenAttributes.Normal) != 0)
        {
            if (Vocabulary.EscapeWhitespaces) AppendUnescapingSpaces(text, piece);
            else AppendGpt2Decoded(text, piece);
        }
        else if ((attributes & TokenAttributes.Byte) != 0 && ParseByteToken(text) is >= 0 and var b)
        {
            piece.Add((byte)b);
        }
    }

    /// <summary>Maps each character back through the GPT-2 alphabet; characters outside it become llama.cpp's <c>[UNK_BYTE_0x…]</c> text.</summary>
    private static void AppendGpt2Decoded(ReadOnlySpan<byte> text, List<byte> piece)
    {
        Span<int> cpts = text.Length <= 256 ? stackalloc int[text.Length] : new int[text.Length];
        int n = Utf8Text.DecodeLenient(text, cpts);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < n; i++)
        {
            int b = Gpt2ByteMap.ToByte(cpts[i]);
            if (b >= 0)
            {
                piece.Add((byte)b);
                continue;
            }
            int len = Utf8Text.Encode(cpts[i], utf8);
            piece.AddRange("[UNK_BYTE_0x"u8);
            foreach (byte u in utf8[..len]) piece.AddRange(System.Text.Encoding.ASCII.GetBytes(u.ToString("x2")));
            piece.AddRange(text);
            piece.Add((byte)']');
        }
    }

    private struct Symbol(int id, int start, int length, int prev, int next)
    {
        public int Id = id;
        public int Start = start;
        public int Length = length;
        public int Prev = prev;
        public int Next = next;
    }

    private readonly record struct Pair(int Left, int Right, int Size, int Result);

    private sealed class Scratch
    {
        private const int KeepLimit = 1 << 16;

        public readonly SplitInput Input = new();
        public readonly List<Span32> Words = [];
        public readonly List<Span32> Spare = [];
        public readonly PriorityQueue<Pair, ulong> Queue = new();
        private byte[] _wordBytes = new byte[256];
        private byte[] _encoded = new byte[512];
        private byte[] _escaped = new byte[256];
        private Symbol[] _symbols = new Symbol[256];

        public byte[] EnsureWordBytes(int length)
        {
            if (_wordBytes.Length < length) _wordBytes = new byte[Math.Max(length, _wordBytes.Length * 2)];
            return _wordBytes;
        }

        public Symbol[] EnsureSymbols(int length)
        {
            if (_symbols.Length < length) _symbols = new Symbol[Math.Max(length, _symbols.Length * 2)];
            return _symbols;
        }

        /// <summary>The word in the GPT-2 byte alphabet (UTF-8 of each byte's stand-in character).</summary>
        public ReadOnlySpan<byte> Gpt2Encode(ReadOnlySpan<byte> word)
        {
            if (_encoded.Length < word.Length * 2) _encoded = new byte[Math.Max(word.Length * 2, _encoded.Length * 2)];
            int o = 0;
            foreach (byte b in word) o += Utf8Text.Encode(Gpt2ByteMap.ToCodepoint(b), _encoded.AsSpan(o));
            return _encoded.AsSpan(0, o);
        }

        /// <summary>Every ' ' → ▁ (escape_whitespaces vocabularies).</summary>
        public ReadOnlySpan<byte> EscapeSpaces(ReadOnlySpan<byte> raw)
        {
            int needed = raw.Length + raw.Count((byte)' ') * (EscapedSpace.Length - 1);
            if (_escaped.Length < needed) _escaped = new byte[Math.Max(needed, _escaped.Length * 2)];
            int o = 0;
            foreach (byte b in raw)
            {
                if (b == ' ')
                {
                    EscapedSpace.CopyTo(_escaped.AsSpan(o));
                    o += EscapedSpace.Length;
                }
                else _escaped[o++] = b;
            }
            return _escaped.AsSpan(0, o);
        }

        /// <summary>Drops the scratch after a huge input so a thread does not keep megabytes alive.</summary>
        public void TrimIfHuge(ref Scratch? slot)
        {
            if (Input.Codepoints.Length > KeepLimit || _escaped.Length > KeepLimit || Words.Capacity > KeepLimit) slot = null;
        }
    }
}
