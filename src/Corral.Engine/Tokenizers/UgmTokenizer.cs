using System.Buffers.Binary;
using Corral.Engine.Tokenizers.Unicode;

namespace Corral.Engine.Tokenizers;

/// <summary>
/// SentencePiece Unigram (<c>tokenizer.ggml.model = t5</c>, spec A10): normalize with the model's
/// precompiled charsmap, then pick the segmentation with the best total score by Viterbi over byte
/// offsets. Unknown characters become UNK (runs of UNK collapse into one).
/// </summary>
internal sealed class UgmTokenizer : Tokenizer
{
    private static ReadOnlySpan<byte> EscapedSpace => "\u2581"u8;

    private readonly ByteTrie _tokens;
    private readonly ByteTrie _userDefined;
    private readonly double[] _scores;         // 0 for user-defined tokens, as llama.cpp scores them
    private readonly double _unknownScore;
    private readonly uint[] _xcda;
    private readonly byte[] _replacements;
    private readonly bool _prependSpace;
    private readonly bool _mergeSpaces;
    private readonly int _unknown;

    [ThreadStatic] private static Scratch? t_scratch;

    public UgmTokenizer(Vocabulary vocabulary) : base(vocabulary)
    {
        var tokens = new ByteTrie.Builder();
        var userDefined = new ByteTrie.Builder();
        _scores = new double[vocabulary.Count];
        float minScore = float.MaxValue;
        for (int id = 0; id < vocabulary.Count; id++)
        {
            var attributes = vocabulary.GetAttributes(id);
            float score = vocabulary.GetScore(id);
            bool normal = (attributes & TokenAttributes.Normal) != 0;
            bool user = (attributes & TokenAttributes.UserDefined) != 0;
            if (normal) minScore = Math.Min(minScore, score);
            if (normal || user || (attributes & TokenAttributes.Unused) != 0) tokens.Add(vocabulary.GetTextUtf8(id), id);
            if (user) userDefined.Add(vocabulary.GetTextUtf8(id), id);
            _scores[id] = user ? 0.0 : score;
        }
        _tokens = tokens.Build();
        _userDefined = userDefined.Build();
        _unknownScore = minScore - 10.0f; // float arithmetic, as llama.cpp
        _unknown = vocabulary.Unknown;
        _prependSpace = vocabulary.AddSpacePrefix; // treat_whitespace_as_suffix is never set
        _mergeSpaces = vocabulary.RemoveExtraWhitespaces;
        (_xcda, _replacements) = ParseCharsmap(vocabulary.PrecompiledCharsmap.Span);
    }

    /// <summary>Blob = u32 size S, S bytes of u32 XCDA entries, then NUL-terminated replacement strings.</summary>
    private static (uint[] Xcda, byte[] Replacements) ParseCharsmap(ReadOnlySpan<byte> blob)
    {
        if (blob.IsEmpty) return ([], []);
        if (blob.Length < 4) throw new TokenizerException("corrupt tokenizer.ggml.precompiled_charsmap: shorter than its 4-byte header");
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if ((long)size + 4 >= blob.Length)
            throw new TokenizerException($"corrupt tokenizer.ggml.precompiled_charsmap: its XCDA claims {size} bytes but the blob has {blob.Length}");
        var xcda = new uint[size / 4];
        for (int i = 0; i < xcda.Length; i++) xcda[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob.Slice(4 + 4 * i));
        return (xcda, blob[(4 + (int)size)..].ToArray());
    }

    private protected override void EncodeFragments(ReadOnlySpan<byte> text, List<TextFragment> fragments, List<int> output, bool addSpecial)
    {
        var v = Vocabulary;
        if (addSpecial && v.AddBos) AddIfSet(output, v.Bos);
        var scratch = t_scratch ??= new Scratch();
        foreach (var fragment in fragments)
        {
            if (fragment.IsText) EncodeRaw(text.Slice(fragment.Start, fragment.Length), scratch, output);
            else output.Add(fragment.Token);
        }
        if (addSpecial && v.AddEos) AddIfSet(output, v.Eos);
        if (scratch.Normalized.Count > 1 << 16) t_scratch = null;
    }

    private void EncodeRaw(ReadOnlySpan<byte> raw, Scratch scratch, List<int> output)
    {
        var normalized = scratch.Normalized;
        normalized.Clear();
        Normalize(raw, normalized);
        var text = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(normalized);
        int n = text.Length;
        if (n == 0) return;

        var best = scratch.EnsureBest(n + 1);
        best[0] = new Best(_unknown, 0, 0);
        for (int i = 1; i <= n; i++) best[i] = new Best(_unknown, 0, -double.MaxValue);

        for (int i = 0; i < n;)
        {
            int charLength = Math.Min(Utf8Text.SequenceLength(text[i]), n - i);
            double current = best[i].Score;
            bool singleCharacterToken = false;
            int node = ByteTrie.Root;
            for (int end = i; end < n && (node = _tokens.Next(node, text[end])) >= 0;)
            {
                end++;
                int id = _tokens.Value(node);
                if (id < 0) continue;
                if (end - i == charLength) singleCharacterToken = true;
                double challenger = current + _scores[id];
                if (challenger > best[end].Score) best[end] = new Best(id, i, challenger);
            }
            if (!singleCharacterToken)
            {
                double challenger = current + _unknownScore;
                if (challenger > best[i + charLength].Score) best[i + charLength] = new Best(_unknown, i, challenger);
            }
            i += charLength;
        }

        // backtrack; consecutive UNKs become one
        int mark = output.Count;
        bool previousUnknown = false;
        for (int at = n; ;)
        {
            var b = best[at];
            bool unknown = b.Token == _unknown;
            if (!(previousUnknown && unknown)) output.Add(b.Token);
            if (b.Start == 0) break;
            previousUnknown = unknown;
            at = b.Start;
        }
        output.Reverse(mark, output.Count - mark);
    }

    /// <summary>Charsmap normalization plus llama.cpp's whitespace handling (spec A10.2); writes UTF-8 to <paramref name="output"/>.</summary>
    private void Normalize(ReadOnlySpan<byte> input, List<byte> output)
    {
        bool spacePrepended = false;
        bool inWord = false;
        Span<byte> one = stackalloc byte[4];
        for (int offset = 0; offset < input.Length;)
        {
            var piece = NormalizePrefix(input, offset, one, out int consumed);
            foreach (byte c in piece)
            {
                if (c != ' ')
                {
                    if (!inWord)
                    {
                        inWord = true;
                        if ((_prependSpace && !spacePrepended) || _mergeSpaces)
                        {
                            output.AddRange(EscapedSpace);
                            spacePrepended = true;
                        }
                    }
                    output.Add(c);
                }
                else
                {
                    inWord = false;
                    if (!_mergeSpaces) output.AddRange(EscapedSpace);
                }
            }
            offset += consumed;
        }
    }

    private ReadOnlySpan<byte> NormalizePrefix(ReadOnlySpan<byte> input, int offset, Span<byte> buffer, out int consumed)
    {
        var rest = input[offset..];

        // user-defined tokens pass through unnormalized, as far as the input follows their trie
        int user = _userDefined.LongestPathPrefix(rest);
        if (user > 0)
        {
            consumed = user;
            return rest[..user];
        }

        if (_xcda.Length > 0)
        {
            int longest = 0;
            uint replacement = 0;
            uint node = Base(Entry(0));
            for (int i = 0; i < rest.Length; i++)
            {
                byte c = rest[i];
                if (c == 0) break;
                node ^= c;
                uint entry = Entry(node);
                if ((entry & 0x8000_00FFu) != c) break; // LCHECK
                bool leaf = ((entry >> 8) & 1) != 0;
                node ^= Base(entry);
                if (leaf)
                {
                    longest = i + 1;
                    replacement = Entry(node) & 0x7FFF_FFFFu;
                }
            }
            if (longest > 0)
            {
                if (replacement >= _replacements.Length)
                    throw new TokenizerException($"corrupt tokenizer.ggml.precompiled_charsmap: replacement offset {replacement} is outside the {_replacements.Length}-byte string table");
                var value = _replacements.AsSpan((int)replacement);
                int nul = value.IndexOf((byte)0);
                consumed = longest;
                return nul >= 0 ? value[..nul] : value;
            }
        }

        // one well-formed (in llama.cpp's lenient sense) character, else U+FFFD for one byte
        int length = Utf8Text.SequenceLength(rest[0]);
        if (length == 1 && rest[0] < 0x80 || length > 1 && length <= rest.Length && IsStructurallyValid(rest[..length]))
        {
            consumed = length;
            return rest[..length];
        }
        consumed = 1;
        "\uFFFD"u8.CopyTo(buffer);
        return buffer[..3];
    }

    private static bool IsStructurallyValid(ReadOnlySpan<byte> sequence)
    {
        byte lead = sequence[0];
        bool leadOk = sequence.Length switch
        {
            2 => (lead & 0xE0) == 0xC0,
            3 => (lead & 0xF0) == 0xE0,
            4 => (lead & 0xF8) == 0xF0,
            _ => false,
        };
        if (!leadOk) return false;
        for (int i = 1; i < sequence.Length; i++)
            if ((sequence[i] & 0xC0) != 0x80) return false;
        return true;
    }

    private uint Entry(uint index)
    {
        if (index >= (uint)_xcda.Length)
            throw new TokenizerException($"corrupt tokenizer.ggml.precompiled_charsmap: XCDA index {index} is outside its {_xcda.Length} entries");
        return _xcda[index];
    }

    private static uint Base(uint entry) => (entry >> 10) << (int)((entry & (1u << 9)) >> 6);

    private protected override void AppendPiece(int id, List<byte> piece)
    {
        var attributes = Vocabulary.GetAttributes(id);
        var text = Vocabulary.GetTextUtf8(id);
        if ((attributes & TokenAttributes.Normal) != 0) AppendUnescapingSpaces(text, piece);
        else if ((attributes & TokenAttributes.Byte) != 0 && ParseByteToken(text) is >= 0 and var b) piece.Add((byte)b);
    }

    private readonly record struct Best(int Token, int Start, double Score);

    private sealed class Scratch
    {
        public readonly List<byte> Normalized = new(256);
        private Best[] _best = new Best[256];

        public Best[] EnsureBest(int length)
        {
            if (_best.Length < length) _best = new Best[Math.Max(length, _best.Length * 2)];
            return _best;
        }
    }
}
