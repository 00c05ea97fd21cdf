using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corral.Engine.Quants;

/// <summary>Vector helpers shared by the K-quant kernels: spreading per-group scales across lanes, bit extraction.</summary>
internal static unsafe class KQuantVectors
{
    /// <summary>
    /// A <c>vpshufb</c> pattern over 8 int16 scales held in both 128-bit lanes: the low lane repeats scale
    /// <paramref name="low"/>, the high lane scale <paramref name="high"/> (the two 16-element groups of a 32-element chunk).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> ScalePair(int low, int high) => Vector256.Create(
        Vector128.Create((ushort)(2 * low | (2 * low + 1) << 8)),
        Vector128.Create((ushort)(2 * high | (2 * high + 1) << 8))).AsByte();

    /// <summary>The same scale in every int16 lane: for 32-element groups.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> ScaleAll(int index) => Vector256.Create((ushort)(2 * index | (2 * index + 1) << 8)).AsByte();

    /// <summary>Bit <paramref name="bit"/> of every byte moved to bit <paramref name="to"/>, other bits cleared (constants fold).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> MoveBit(Vector256<byte> v, int bit, int to)
    {
        var mask = Vector256.Create((byte)(1 << to));
        var u = v.AsUInt16();
        if (bit == to) return Avx2.And(v, mask);
        return bit < to
            ? Avx2.And((u << (to - bit)).AsByte(), mask)
            : Avx2.And((u >> (bit - to)).AsByte(), mask);
    }

    /// <summary>Bits <paramref name="bit"/>..+1 of every byte (a 2-bit field) at bits 0..1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> TwoBits(Vector256<byte> v, int bit) =>
        Avx2.And(bit == 0 ? v : (v.AsUInt16() >> bit).AsByte(), Vector256.Create((byte)3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> LowNibbles(Vector256<byte> v) => Avx2.And(v, Vector256.Create((byte)0x0F));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> HighNibbles(Vector256<byte> v) => Avx2.And(Avx2.ShiftRightLogical(v.AsUInt16(), 4).AsByte(), Vector256.Create((byte)0x0F));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> LowNibbles(Vector512<byte> v) => v & Vector512.Create((byte)0x0F);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> HighNibbles(Vector512<byte> v) => Avx512BW.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & Vector512.Create((byte)0x0F);

    /// <summary>int16 lanes [s[i0]×16 | s[i1]×16] (for 32-element groups, two per zmm) taken from 8 scales in <paramref name="scales"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<short> Spread32(Vector512<short> scales, int i0, int i1)
    {
        short a = (short)i0, b = (short)i1;
        // Written out element by element: the JIT folds this form into one constant, not the nested Create.
        var index = Vector512.Create(a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b);
        return Avx512BW.PermuteVar32x16(scales, index);
    }

    /// <summary>int16 lanes [s[i]×8, s[i+1]×8, s[i+2]×8, s[i+3]×8] (for four 16-element groups in a zmm).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<short> Spread16(Vector512<short> scales, int i)
    {
        short a = (short)i, b = (short)(i + 1), c = (short)(i + 2), d = (short)(i + 3);
        var index = Vector512.Create(a, a, a, a, a, a, a, a, b, b, b, b, b, b, b, b, c, c, c, c, c, c, c, c, d, d, d, d, d, d, d, d);
        return Avx512BW.PermuteVar32x16(scales, index);
    }

    /// <summary>int16 count vector: <paramref name="low"/> in the low 256 bits, <paramref name="high"/> in the high 256 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ushort> HalfCounts(int low, int high)
    {
        ushort a = (ushort)low, b = (ushort)high;
        return Vector512.Create(a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b);
    }

    /// <summary>[a(0..31) | a(64..95)] and [a(32..63) | a(96..127)] from 128 activations: the order of a zmm of nibbles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<sbyte> Low, Vector512<sbyte> High) SplitHalves(sbyte* a)
    {
        var a0 = Avx512F.LoadVector512((long*)a);
        var a1 = Avx512F.LoadVector512((long*)(a + 64));
        return (Avx512F.Shuffle4x128(a0, a1, 0b01_00_01_00).AsSByte(), Avx512F.Shuffle4x128(a0, a1, 0b11_10_11_10).AsSByte());
    }
}
