using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Corral.Engine.Tokenizers;

/// <summary>
/// An append-only set of byte strings, each given a dense id in insertion order, looked up by
/// <see cref="ReadOnlySpan{T}"/> without allocating. All strings live in one blob; the index is open
/// addressing with linear probing and a stored hash per slot, so a miss rarely touches the blob.
/// Tokenizers use it for text → token id, and BPE adds merge strings that are not tokens.
/// </summary>
internal sealed class Utf8StringTable
{
    private byte[] _blob;
    private int _blobLength;
    private int[] _offsets;   // start of string i in _blob; _offsets[i + 1] is its end
    private int _count;
    private int[] _slots;     // id + 1, 0 = empty
    private uint[] _slotHashes;
    private int _mask;

    public Utf8StringTable(int capacity = 16, int averageLength = 8)
    {
        capacity = Math.Max(capacity, 4);
        _blob = new byte[Math.Max(16, capacity * averageLength)];
        _offsets = new int[capacity + 1];
        int slots = (int)BitOperations.RoundUpToPowerOf2((uint)(capacity * 2));
        _slots = new int[slots];
        _slotHashes = new uint[slots];
        _mask = slots - 1;
    }

    /// <summary>A copy of <paramref name="source"/> (same ids) with room for <paramref name="extra"/> more strings: the arrays are copied, nothing is hashed again.</summary>
    public Utf8StringTable(Utf8StringTable source, int extra)
    {
        _count = source._count;
        _blobLength = source._blobLength;
        _blob = new byte[Math.Max(16, source._blobLength + extra * 8)];
        source._blob.AsSpan(0, source._blobLength).CopyTo(_blob);
        _offsets = new int[source._count + extra + 2];
        source._offsets.AsSpan(0, source._count + 1).CopyTo(_offsets);
        _slots = (int[])source._slots.Clone();
        _slotHashes = (uint[])source._slotHashes.Clone();
        _mask = source._mask;
        while ((_count + extra) * 2 > _slots.Length) Grow();
    }

    public int Count => _count;

    /// <summary>The bytes of string <paramref name="id"/>.</summary>
    public ReadOnlySpan<byte> this[int id]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(_blob, _offsets[id], _offsets[id + 1] - _offsets[id]);
    }

    /// <summary>Adds <paramref name="text"/> unless present; returns its id and whether it was new.</summary>
    public int Add(ReadOnlySpan<byte> text, out bool added)
    {
        uint hash = Hash(text);
        int slot = FindSlot(text, hash);
        if (_slots[slot] != 0)
        {
            added = false;
            return _slots[slot] - 1;
        }
        if ((_count + 1) * 2 > _slots.Length)
        {
            Grow();
            slot = FindSlot(text, hash);
        }
        int id = _count;
        if (_blobLength + text.Length > _blob.Length) Array.Resize(ref _blob, Math.Max(_blob.Length * 2, _blobLength + text.Length));
        if (id + 2 > _offsets.Length) Array.Resize(ref _offsets, _offsets.Length * 2);
        text.CopyTo(_blob.AsSpan(_blobLength));
        _offsets[id] = _blobLength;
        _blobLength += text.Length;
        _offsets[id + 1] = _blobLength;
        _slots[slot] = id + 1;
        _slotHashes[slot] = hash;
        _count++;
        added = true;
        return id;
    }

    /// <summary>The id of <paramref name="text"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ReadOnlySpan<byte> text)
    {
        uint hash = Hash(text);
        int slot = (int)hash & _mask;
        while (true)
        {
            int entry = _slots[slot];
            if (entry == 0) return -1;
            if (_slotHashes[slot] == hash)
            {
                int id = entry - 1;
                int start = _offsets[id];
                if (new ReadOnlySpan<byte>(_blob, start, _offsets[id + 1] - start).SequenceEqual(text)) return id;
            }
            slot = (slot + 1) & _mask;
        }
    }

    private int FindSlot(ReadOnlySpan<byte> text, uint hash)
    {
        int slot = (int)hash & _mask;
        while (true)
        {
            int entry = _slots[slot];
            if (entry == 0) return slot;
            if (_slotHashes[slot] == hash && this[entry - 1].SequenceEqual(text)) return slot;
            slot = (slot + 1) & _mask;
        }
    }

    private void Grow()
    {
        int size = _slots.Length * 2;
        var slots = new int[size];
        var hashes = new uint[size];
        int mask = size - 1;
        for (int i = 0; i < _slots.Length; i++)
        {
            if (_slots[i] == 0) continue;
            int slot = (int)_slotHashes[i] & mask;
            while (slots[slot] != 0) slot = (slot + 1) & mask;
            slots[slot] = _slots[i];
            hashes[slot] = _slotHashes[i];
        }
        _slots = slots;
        _slotHashes = hashes;
        _mask = mask;
    }

    /// <summary>A fast non-cryptographic hash of a short byte string (8 bytes per step, murmur-style finish).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Hash(ReadOnlySpan<byte> text)
    {
        ulong h = 0x9E3779B97F4A7C15UL ^ (ulong)text.Length;
        int i = 0;
        for (; i + 8 <= text.Length; i += 8)
        {
            h ^= BinaryPrimitives.ReadUInt64LittleEndian(text.Slice(i));
            h *= 0xBF58476D1CE4E5B9UL;
            h ^= h >> 31;
        }
        if (i < text.Length)
        {
            ulong tail = 0;
            for (int k = 0; i + k < text.Length; k++) tail |= (ulong)text[i + k] << (8 * k);
            h ^= tail;
            h *= 0x94D049BB133111EBUL;
            h ^= h >> 29;
        }
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        return (uint)h;
    }
}
