using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// What the 32-block dot kernels need to know about one weight format (Q8_0, Q4_0, Q5_0, IQ4_NL, Q4_1, Q5_1): its scale,
/// the integer value of each element as it enters the dot product, and the same values decoded 32 (AVX2) or 64 (AVX-512,
/// two blocks) at a time in element order. The vector decoders return <c>value + Offset</c> as unsigned bytes.
/// </summary>
internal unsafe interface IBlock32Weights
{
    static abstract GgmlType Type { get; }

    /// <summary>Bytes per block.</summary>
    static abstract int Size { get; }

    /// <summary>Added to each value to make it unsigned; the kernels subtract Offset·Σa again. 128 means "signed int8".</summary>
    static abstract int Offset { get; }

    /// <summary>True for Q4_1/Q5_1: an f16 offset m per block, meeting Q8_1 activations through their sum s.</summary>
    static abstract bool HasMin { get; }

    static abstract ushort ScaleBits(byte* block);

    static abstract ushort MinBits(byte* block);

    /// <summary>Reference: the integer weight of element <paramref name="e"/> (0..31).</summary>
    static abstract int Value(byte* block, int e);

    static abstract Vector256<byte> Unsigned(byte* block);

    /// <summary>Two blocks: bytes 0..31 from <paramref name="block0"/>, 32..63 from <paramref name="block1"/>.</summary>
    static abstract Vector512<byte> Unsigned(byte* block0, byte* block1);

    /// <summary>The values as signed bytes (used where Offset is 128).</summary>
    static abstract Vector256<sbyte> Signed(byte* block);

    static abstract Vector512<sbyte> Signed(byte* block0, byte* block1);
}

/// <summary>Vector decoding shared by the 4- and 5-bit formats.</summary>
internal static unsafe class Block32Decode
{
    /// <summary>16 bytes of nibbles → 32 values, low nibbles first (elements 0..15), then high nibbles (16..31).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Nibbles(byte* qs)
    {
        // Broadcast load and a per-dword shift: no cross-lane shuffle, which would compete for port 5.
        var both = Avx2.BroadcastVector128ToVector256(qs).AsUInt32();
        var shifted = Avx2.ShiftRightLogicalVariable(both, Vector256.Create(0u, 0u, 0u, 0u, 4u, 4u, 4u, 4u));
        return Avx2.And(shifted.AsByte(), Vector256.Create((byte)0x0F));
    }

    /// <summary>Two blocks of nibbles → 64 values in element order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Nibbles(byte* qs0, byte* qs1)
    {
        var q = Vector256.Create(Sse2.LoadVector128(qs0), Sse2.LoadVector128(qs1));
        var z = Vector512.Create(q, Avx2.ShiftRightLogical(q.AsUInt16(), 4).AsByte()).AsUInt64();
        // [q0, q1, q0>>4, q1>>4] → [q0, q0>>4, q1, q1>>4]
        z = Avx512F.Shuffle4x128(z, z, 0b11_01_10_00);
        return Avx512F.And(z, Vector512.Create((byte)0x0F).AsUInt64()).AsByte();
    }

    /// <summary>Bit e of the u32 at <paramref name="bits"/> → byte e = 0x10 when set, else 0 (the fifth bit of Q5 values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> HighBits(byte* bits)
    {
        var spread = Avx2.Shuffle(Avx2.BroadcastScalarToVector256((uint*)bits).AsByte(), Vector256.Create(
            (byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
        var mask = Vector256.Create(0x8040201008040201ul).AsByte();
        var set = Avx2.CompareEqual(Avx2.And(spread, mask), mask);
        return Avx2.And(set, Vector256.Create((byte)0x10));
    }

    /// <summary>
    /// <paramref name="low"/> (values below 0x10) with bit e of the u32 at <paramref name="bits"/> added as 0x10 to byte e:
    /// a Q5 block's unsigned values. With AVX-512VL the final and + or is one <c>vpternlogd</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> WithHighBits(Vector256<byte> low, byte* bits)
    {
        if (!Avx512F.VL.IsSupported) return Avx2.Or(low, HighBits(bits));
        var spread = Avx2.Shuffle(Avx2.BroadcastScalarToVector256((uint*)bits).AsByte(), Vector256.Create(
            (byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
        var mask = Vector256.Create(0x8040201008040201ul).AsByte();
        var set = Avx2.CompareEqual(Avx2.And(spread, mask), mask);
        // low | (set & 0x10): with A = low (0xF0), B = set (0xCC), C = 0x10 (0xAA), A | (B & C) is 0xF8.
        return Avx512F.VL.TernaryLogic(low, set, Vector256.Create((byte)0x10), 0xF8);
    }

    /// <summary>64 bits → 64 bytes of 0x10 or 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> HighBits(ulong bits)
    {
        var spread = Avx512BW.Shuffle(Vector512.Create(bits).AsByte(), Vector512.Create(
            (byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3,
            4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7));
        var mask = Vector512.Create(0x8040201008040201ul).AsByte();
        var set = Vector512.Equals(spread & mask, mask);
        return set & Vector512.Create((byte)0x10);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Nibble(byte* qs, int e) => e < 16 ? qs[e] & 0xF : qs[e - 16] >> 4;
}
