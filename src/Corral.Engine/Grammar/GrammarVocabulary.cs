using System.Text;

namespace Corral.Engine.Grammar;

/// <summary>
/// The token table a grammar constrains: for each token id its UTF-8 piece and the set of end-of-generation tokens.
/// llama.cpp matches grammars against <c>token_to_piece</c> with special tokens rendered as their text (so a control
/// token such as <c>&lt;|im_start|&gt;</c> can appear inside a JSON string); give such tokens an empty piece to keep
/// them out of constrained output instead.
/// Building it decodes every piece once and builds a trie over them (about 0.1 s and 45 MB of short-lived
/// allocations for a 150k vocabulary), so build it once per model, lazily on the first constrained request, and
/// share it between all requests and sequences; it is immutable and thread-safe.
/// </summary>
public sealed class GrammarVocabulary
{
    private readonly byte[][] _pieces;
    private readonly bool[] _endOfGeneration;
    private readonly Func<string, IReadOnlyList<int>>? _tokenize;
    private Dictionary<string, int>? _tokenByPiece;

    /// <param name="pieces">Piece bytes by token id. Bytes after a NUL are ignored and empty pieces are never allowed, as in llama.cpp.</param>
    /// <param name="endOfGenerationTokens">Tokens that end generation; a grammar allows them only where it may end.</param>
    /// <param name="tokenize">
    /// Optional tokenizer (parsing special tokens) used to resolve <c>&lt;text&gt;</c> token terminals, as llama.cpp
    /// does; without it such a terminal must equal exactly one token's piece.
    /// </param>
    public GrammarVocabulary(IReadOnlyList<byte[]> pieces, IEnumerable<int> endOfGenerationTokens, Func<string, IReadOnlyList<int>>? tokenize = null)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        ArgumentNullException.ThrowIfNull(endOfGenerationTokens);
        int count = pieces.Count;
        _pieces = new byte[count][];
        _endOfGeneration = new bool[count];
        _tokenize = tokenize;
        foreach (int eog in endOfGenerationTokens)
        {
            if ((uint)eog >= (uint)count) throw new ArgumentOutOfRangeException(nameof(endOfGenerationTokens), $"end-of-generation token {eog} is outside the vocabulary of {count} tokens");
            _endOfGeneration[eog] = true;
        }

        CodePointOffsets = new int[count + 1];
        EndStates = new PartialUtf8[count];
        Kinds = new TokenKind[count];
        HasCodePointBits = new ulong[(count + 63) >> 6];
        EndOfGenerationBits = new ulong[(count + 63) >> 6];

        var codePoints = new List<uint>(count * 4);
        var continuationFirst = new List<int>();
        var trieTokens = new List<int>(count);
        var scratch = new uint[256];
        for (int t = 0; t < count; t++)
        {
            byte[] raw = pieces[t] ?? throw new ArgumentException($"token {t} has no piece", nameof(pieces));
            var piece = PartialUtf8Decoder.CutAtNul(raw);
            _pieces[t] = piece.Length == raw.Length ? raw : piece.ToArray();
            CodePointOffsets[t] = codePoints.Count;

            if (_endOfGeneration[t])
            {
                Kinds[t] = TokenKind.EndOfGeneration;
                EndOfGenerationBits[t >> 6] |= 1UL << t;
                continue;
            }
            if (piece.IsEmpty)
            {
                Kinds[t] = TokenKind.Never;
                continue;
            }
            if (scratch.Length < piece.Length + 1) scratch = new uint[piece.Length * 2];
            int n = PartialUtf8Decoder.Decode(piece, PartialUtf8.None, scratch, out var end);
            EndStates[t] = end;
            if (piece[0] >> 6 == 2) continuationFirst.Add(t);
            if (end.Remaining < 0 || (n == 0 && end.Remaining == 0))
            {
                Kinds[t] = TokenKind.InvalidAtBoundary;
                continue;
            }
            Kinds[t] = TokenKind.Text;
            for (int i = 0; i < n; i++) codePoints.Add(scratch[i]);
            if (n > 0) HasCodePointBits[t >> 6] |= 1UL << t;
            trieTokens.Add(t);
        }
        CodePointOffsets[count] = codePoints.Count;
        CodePoints = [.. codePoints];
        ContinuationFirstTokens = [.. continuationFirst];
        Trie = TokenTrie.Build(trieTokens, CodePoints, CodePointOffsets, EndStates);
    }

    /// <summary>Number of tokens.</summary>
    public int Count => _pieces.Length;

    /// <summary>The piece of <paramref name="token"/> (cut at its first NUL byte).</summary>
    public ReadOnlySpan<byte> Piece(int token) => _pieces[token];

    /// <summary>Whether <paramref name="token"/> ends generation.</summary>
    public bool IsEndOfGeneration(int token) => _endOfGeneration[token];

    /// <summary>Nodes in the piece trie (for diagnostics and benchmarks).</summary>
    public int TrieNodeCount => Trie.NodeCount;

    internal enum TokenKind : byte
    {
        /// <summary>Empty piece: never allowed.</summary>
        Never,
        EndOfGeneration,
        /// <summary>Decodes from a code point boundary (possibly ending inside a sequence); in the trie.</summary>
        Text,
        /// <summary>Invalid UTF-8 from a code point boundary; only usable to finish a sequence left open.</summary>
        InvalidAtBoundary,
    }

    internal TokenKind[] Kinds { get; }

    /// <summary>Code points of each token decoded from a code point boundary: <c>CodePoints[CodePointOffsets[t]..CodePointOffsets[t + 1]]</c>.</summary>
    internal uint[] CodePoints { get; }

    internal int[] CodePointOffsets { get; }

    /// <summary>UTF-8 state after each token decoded from a boundary.</summary>
    internal PartialUtf8[] EndStates { get; }

    /// <summary>Tokens whose piece decodes to at least one code point (what a token terminal can match).</summary>
    internal ulong[] HasCodePointBits { get; }

    internal ulong[] EndOfGenerationBits { get; }

    /// <summary>Tokens whose first byte is a UTF-8 continuation byte: the only ones that can follow a token that ended inside a sequence.</summary>
    internal int[] ContinuationFirstTokens { get; }

    internal TokenTrie Trie { get; }

    internal ReadOnlySpan<uint> CodePointsOf(int token) => CodePoints.AsSpan(CodePointOffsets[token], CodePointOffsets[token + 1] - CodePointOffsets[token]);

    /// <summary>Resolves a <c>&lt;text&gt;</c> token terminal to its single token id.</summary>
    internal int ResolveTokenText(string text)
    {
        if (_tokenize != null)
        {
            var ids = _tokenize(text);
            if (ids.Count != 1) throw new GrammarException($"token terminal {text} is {ids.Count} tokens in this vocabulary; it must be exactly one token");
            return ids[0];
        }
        _tokenByPiece ??= BuildPieceIndex(); // built at most a few times under a race; never mutated afterwards
        if (_tokenByPiece.TryGetValue(text, out int id)) return id;
        throw new GrammarException($"token terminal {text} is not a token of this vocabulary");
    }

    private Dictionary<string, int> BuildPieceIndex()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int t = 0; t < _pieces.Length; t++)
        {
            if (_pieces[t].Length == 0) continue;
            index.TryAdd(Encoding.UTF8.GetString(_pieces[t]), t); // the lowest id wins among equal pieces
        }
        return index;
    }
}
