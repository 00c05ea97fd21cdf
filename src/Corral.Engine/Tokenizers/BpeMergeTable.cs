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
        var merges = vocabulary.Merges; // read from the file on each access: once
        var symbols = new Utf8StringTable(vocabulary.Count + merges.Count / 4, 8);
        for (int id = 0; id < vocabulary.Count; id++) symbols.Add(vocabulary.GetTextUtf8(id), out _);

        // Load factor 0.38–0.75: linear probing stays short, and the table is half the size a factor of 2 gave (8 MB of 16 for Llama 3's 280k merges).
        int capacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, merges.Count + merges.Count / 3));
        _keys = new ulong[capacity];
        _ranks = new int[capacity];
        _results = new int[capacity];
        _mask = capacity - 1;

        byte[] buffer = new byte[256];
        int count = 0;
        for (int rank = 0; rank < merges.Count; rank++)
        {
            string merge = merges[rank];
            int space = merge.Length > 1 ? merge.IndexOf(' ', 1) : -1;
            if (space < 0) continue; // llama.cpp records ("", ""), which no symbol can match
            int byteCount = Encoding.UTF8.GetMaxByteCount(merge.Length);
            if (buffer.Length < byteCount) buffer = new byte[byteCount * 2];
            int leftLength = Encoding.UTF8.GetBytes(merge.AsSpan(0, space), buffer);
            int rightLength = Encoding.UTF8.GetBytes(merge.AsSpan(space + 1), buffer.AsSpan(leftLength));
            int left = symbols.Add(buffer.AsSpan(0, leftLength), out _);
            int right = symbols.Add(buffer.AsSpan(leftLength, rightLength), out _);
            int result = symbols.Add(buffer.AsSpan(0, leftLength + rightLength), out _);
            if (Insert(Key(left, right), rank, result)) count++;
        }
        Symbols = symbols;
        Count = count;
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
