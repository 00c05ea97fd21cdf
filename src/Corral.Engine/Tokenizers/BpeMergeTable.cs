using System.Runtime.CompilerServices;
using System.Text;

namespace Corral.Engine.Tokenizers;

/// <summary>
/// BPE merges keyed by symbol ids instead of strings (spec A6.1). Every string that can be a merge side
/// or result gets an id: token texts keep their token id, other merge strings get ids after the
/// vocabulary. A pair (left id, right id) maps to its rank and the id of the merged string, so merging
/// never hashes text. Duplicate pairs keep the first (lowest) rank.
/// </summary>
internal sealed class BpeMergeTable
{
    private readonly ulong[] _keys;   // (left << 32 | right) + 1, 0 = empty
    private readonly int[] _ranks;
    private readonly int[] _results;
    private readonly int _mask;

    /// <summary>Token texts first (id = token id), then the extra merge strings.</summary>
    public Utf8StringTable Symbols { get; }

    public int Count { get; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // one-shot loop over ~10^5 merges: skip tier-0
    public BpeMergeTable(Vocabulary vocabulary)
    {
        // Merges still in the model file are walked as UTF-8 where they lie; others (short lists, tests) as strings.
        var inFile = vocabulary.MergesInFile;
        IReadOnlyList<string> merges = inFile == null ? vocabulary.Merges : [];
        int mergeCount = inFile?.Count ?? merges.Count;
        // The vocabulary's own index, copied: symbol ids below the vocabulary size are token ids.
        var symbols = new Utf8StringTable(vocabulary.Index, mergeCount / 4);

        // Load factor 0.38–0.75: linear probing stays short, and the table is half the size a factor of 2 gave (8 MB of 16 for Llama 3's 280k merges).
        int capacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, mergeCount + mergeCount / 3));
        _keys = new ulong[capacity];
        _ranks = new int[capacity];
        _results = new int[capacity];
        _mask = capacity - 1;

        int count = 0;
        if (inFile != null)
        {
            byte[] joined = new byte[256];
            int rank = 0;
            foreach (var merge in inFile)
            {
                // As the string path reads it: invalid UTF-8 becomes U+FFFD, as in the token texts.
                if (AddMerge(symbols, Unicode.Utf8Text.ReplaceInvalid(merge), rank++, ref joined)) count++;
            }
        }
        else
        {
            byte[] buffer = new byte[256], joined = new byte[256];
            for (int rank = 0; rank < merges.Count; rank++)
            {
                string merge = merges[rank];
                int byteCount = Encoding.UTF8.GetMaxByteCount(merge.Length);
                if (buffer.Length < byteCount) buffer = new byte[byteCount * 2];
                int length = Encoding.UTF8.GetBytes(merge, buffer);
                if (AddMerge(symbols, buffer.AsSpan(0, length), rank, ref joined)) count++;
            }
        }
        Symbols = symbols;
        Count = count;
    }

    /// <summary>
    /// One merge line "left right" (UTF-8; split at the first space after the first byte, as llama.cpp splits it):
    /// the pair's symbols and the joined symbol are added, and the pair gets <paramref name="rank"/> unless an earlier
    /// line had it. A line with no such space is skipped: llama.cpp records ("", ""), which no symbol can match.
    /// </summary>
    private bool AddMerge(Utf8StringTable symbols, ReadOnlySpan<byte> merge, int rank, ref byte[] joined)
    {
        int space = merge.Length > 1 ? merge[1..].IndexOf((byte)' ') : -1;
        if (space < 0) return false;
        space++;
        var leftText = merge[..space];
        var rightText = merge[(space + 1)..];
        if (joined.Length < merge.Length) joined = new byte[merge.Length * 2];
        leftText.CopyTo(joined);
        rightText.CopyTo(joined.AsSpan(space));
        int left = symbols.Add(leftText, out _);
        int right = symbols.Add(rightText, out _);
        int result = symbols.Add(joined.AsSpan(0, merge.Length - 1), out _);
        return Insert(Key(left, right), rank, result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Key(int left, int right) => ((ulong)(uint)left << 32 | (uint)right) + 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> 32) & _mask;

    private bool Insert(ulong key, int rank, int result)
    {
        int slot = Slot(key);
        while (_keys[slot] != 0)
        {
            if (_keys[slot] == key) return false; // first rank wins
            slot = (slot + 1) & _mask;
        }
        _keys[slot] = key;
        _ranks[slot] = rank;
        _results[slot] = result;
        return true;
    }

    /// <summary>Rank and merged symbol id of the pair, or false when the pair is not a merge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet(int left, int right, out int rank, out int result)
    {
        ulong key = Key(left, right);
        int slot = Slot(key);
        while (true)
        {
            ulong k = _keys[slot];
            if (k == key)
            {
                rank = _ranks[slot];
                result = _results[slot];
                return true;
            }
            if (k == 0)
            {
                rank = 0;
                result = -1;
                return false;
            }
            slot = (slot + 1) & _mask;
        }
    }
}
