using Corral.Engine.Tokenizers.Unicode;

namespace Corral.Engine.Tokenizers;

/// <summary>
/// BERT WordPiece (<c>tokenizer.ggml.model = bert</c>, spec A9): normalize (accent strip, lowercase), split
/// on whitespace and around punctuation and CJK characters, then match each word greedily longest-first.
/// The GGUF stores word-initial pieces with a ▁ prefix and continuation pieces bare.
/// </summary>
internal sealed class WpmTokenizer : Tokenizer
{
    private static ReadOnlySpan<byte> EscapedSpace => "\u2581"u8;

    private readonly Utf8StringTable _index;
    private readonly int _maxTokenLength;
    private readonly bool _lowercase;
    private readonly bool _stripAccents;

    [ThreadStatic] private static Scratch? t_scratch;

    public WpmTokenizer(Vocabulary vocabulary) : base(vocabulary)
    {
        _index = vocabulary.Index;
        _maxTokenLength = vocabulary.MaxTokenLength;
        _lowercase = vocabulary.Lowercase;
        _stripAccents = vocabulary.StripAccents;
    }

    private protected override void EncodeFragments(ReadOnlySpan<byte> text, List<TextFragment> fragments, List<int> output, bool addSpecial)
    {
        var v = Vocabulary;
        if (addSpecial) AddIfSet(output, v.Bos); // [CLS], regardless of add_bos
        var scratch = t_scratch ??= new Scratch();
        foreach (var fragment in fragments)
        {
            if (fragment.IsText) EncodeRaw(text.Slice(fragment.Start, fragment.Length), scratch, output);
            else output.Add(fragment.Token);
        }
        if (addSpecial) AddIfSet(output, v.Separator); // [SEP], regardless of add_sep/add_eos
        if (scratch.Codepoints.Length > 1 << 16) t_scratch = null;
    }

    private void EncodeRaw(ReadOnlySpan<byte> raw, Scratch scratch, List<int> output)
    {
        var cpts = scratch.EnsureCodepoints(raw.Length);
        int n = Utf8Text.DecodeLenient(raw, cpts);
        var word = scratch.Word;
        word.Clear();
        word.AddRange(EscapedSpace);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < n; i++)
        {
            int cpt = _stripAccents ? UnicodeTables.DecompositionFirst(cpts[i]) : cpts[i];
            var flags = UnicodeTables.GetFlags(cpt);
            if ((flags & CodepointFlags.Whitespace) != 0)
            {
                FlushWord(word, output);
                continue;
            }
            if (cpt == 0 || cpt == Utf8Text.ReplacementCharacter || (flags & CodepointFlags.Control) != 0) continue;
            if (_stripAccents && (flags & CodepointFlags.AccentMark) != 0) continue;
            int lower = _lowercase ? UnicodeTables.ToLower(cpt) : cpt;
            int len = Utf8Text.Encode(lower, utf8);
            if ((flags & CodepointFlags.Punctuation) != 0 || (cpt < 0x7F && (flags & CodepointFlags.Symbol) != 0) || IsChineseCharacter(cpt))
            {
                FlushWord(word, output);
                word.AddRange(utf8[..len]);
                FlushWord(word, output);
            }
            else
            {
                word.AddRange(utf8[..len]);
            }
        }
        FlushWord(word, output);
    }

    /// <summary>Tokenizes the pending word (▁ + text) if it has text, and resets it to just ▁.</summary>
    private void FlushWord(List<byte> word, List<int> output)
    {
        if (word.Count > EscapedSpace.Length) MatchWord(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(word), output);
        word.RemoveRange(EscapedSpace.Length, word.Count - EscapedSpace.Length);
    }

    /// <summary>Greedy longest match over bytes; a word with any unmatched position becomes a single UNK.</summary>
    private void MatchWord(ReadOnlySpan<byte> word, List<int> output)
    {
        int mark = output.Count;
        int n = word.Length;
        for (int i = 0; i < n;)
        {
            int found = -1, next = i;
            for (int j = Math.Min(n, i + _maxTokenLength + 1); j > i; j--)
            {
                int id = _index.Find(word[i..j]);
                if (id >= 0)
                {
                    found = id;
                    next = j;
                    break;
                }
            }
            if (found < 0)
            {
                output.RemoveRange(mark, output.Count - mark);
                break;
            }
            output.Add(found);
            i = next;
        }
        if (output.Count == mark) output.Add(Vocabulary.Unknown);
    }

    /// <summary>BERT's CJK ranges (including its 2B920 typo for 2B820, kept for parity).</summary>
    private static bool IsChineseCharacter(int cpt) =>
        (cpt >= 0x4E00 && cpt <= 0x9FFF) ||
        (cpt >= 0x3400 && cpt <= 0x4DBF) ||
        (cpt >= 0x20000 && cpt <= 0x2A6DF) ||
        (cpt >= 0x2A700 && cpt <= 0x2B73F) ||
        (cpt >= 0x2B740 && cpt <= 0x2B81F) ||
        (cpt >= 0x2B920 && cpt <= 0x2CEAF) ||
        (cpt >= 0xF900 && cpt <= 0xFAFF) ||
        (cpt >= 0x2F800 && cpt <= 0x2FA1F);

    private protected override void AppendPiece(int id, List<byte> piece)
    {
        var attributes = Vocabulary.GetAttributes(id);
        var text = Vocabulary.GetTextUtf8(id);
        if ((attributes & TokenAttributes.Normal) != 0) AppendUnescapingSpaces(text, piece);
        else if ((attributes & TokenAttributes.Byte) != 0 && ParseByteToken(text) is >= 0 and var b) piece.Add((byte)b);
    }

    private protected override int FindNewlineToken() => Vocabulary.Padding;

    private sealed class Scratch
    {
        public int[] Codepoints = new int[256];
        public readonly List<byte> Word = new(64);

        public int[] EnsureCodepoints(int length)
        {
            if (Codepoints.Length < length) Codepoints = new int[Math.Max(length, Codepoints.Length * 2)];
            return Codepoints;
        }
    }
}
