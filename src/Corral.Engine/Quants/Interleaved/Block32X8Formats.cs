using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// A 32-block weight format (Q8_0, Q4_0, Q5_0, IQ4_NL) with its rows interleaved in eights (<see cref="Block32X8"/>):
/// how one block of 8 rows is repacked from the file, and how the kernels read it back. Quant part k (0..7) of a block
/// group holds elements 4k..4k+3 of rows 0..7 as bytes 4r..4r+3, so one <c>vpdpbusd</c> against the broadcast
/// activations 4k..4k+3 advances all 8 rows, each row in its own lane.
/// </summary>
internal unsafe interface IBlock32X8Format
{
    static abstract GgmlType Type { get; }

    /// <summary>Bytes of a file block (f16 scale first).</summary>
    static abstract int SourceSize { get; }

    /// <summary>Quant bytes of one block of 8 rows (the 8 f16 scales live apart, see <see cref="Block32X8"/>).</summary>
    static abstract int QuantBytes { get; }

    /// <summary>Added to each value to make it unsigned for <c>vpdpbusd</c>; the kernels start each sum from −Offset·Σa.</summary>
    static abstract int Offset { get; }

    /// <summary>True when value + <see cref="Offset"/> can exceed what <c>vpmaddubsw</c> pairs keep exact (AVX2 takes the abs/sign path).</summary>
    static abstract bool Signed { get; }

    /// <summary>Writes the quant part of one block of 8 rows from their file blocks.</summary>
    static abstract void Repack(byte** rows, byte* quants);

    /// <summary>Reference: the integer value of element <paramref name="e"/> of row <paramref name="row"/>.</summary>
    static abstract int Value(byte* quants, int row, int e);

    /// <summary>Quant part <paramref name="k"/> (a constant after inlining) as unsigned bytes value + Offset.</summary>
    static abstract Vector256<byte> Unsigned(byte* quants, int k);

    /// <summary>Quant part <paramref name="k"/> as signed bytes (used where <see cref="Signed"/>).</summary>
    static abstract Vector256<sbyte> SignedValues(byte* quants, int k);

    /// <summary>A file block's 32 values + <see cref="Offset"/>, in element order (for the file-layout kernels).</summary>
    static abstract Vector256<byte> FileUnsigned(byte* block);

    /// <summary>A file block's 32 values as signed bytes.</summary>
    static abstract Vector256<sbyte> FileSigned(byte* block);

    /// <summary>Reference: the integer value of element <paramref name="e"/> of a file block.</summary>
    static abstract int FileValue(byte* block, int e);
}

/// <summary>The file-block decoders of <typeparamref name="TBlock"/>, callable from the interleaved formats.</summary>
internal static unsafe class FileBlock<TBlock> where TBlock : struct, IBlock32Weights
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Unsigned(byte* block) => TBlock.Unsigned(block);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> Signed(byte* block) => TBlock.Signed(block);

    public static int Value(byte* block, int e) => TBlock.Value(block, e);
}

/// <summary>Repacking and decoding shared by the nibble formats: file bytes qs[4m..4m+3] of each row become part m's dword r.</summary>
internal static unsafe class X8Nibbles
{
    /// <summary>16 nibble bytes of 8 rows → 4 parts of 32 bytes: part m, dword r = row r's bytes 4m..4m+3 (elements 4m+j low, 4m+16+j high).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Repack(byte** rows, int qsAt, byte* quants)
    {
        if (Avx2.IsSupported)
        {
            // Rows r and r + 4 in the two lanes, then a 4 × 4 dword transpose in each lane: lane 0 of part m gets rows
            // 0..3, lane 1 rows 4..7, each row's dword m.
            var a = Vector256.Create(Sse2.LoadVector128(rows[0] + qsAt), Sse2.LoadVector128(rows[4] + qsAt)).AsUInt32();
            var b = Vector256.Create(Sse2.LoadVector128(rows[1] + qsAt), Sse2.LoadVector128(rows[5] + qsAt)).AsUInt32();
            var c = Vector256.Create(Sse2.LoadVector128(rows[2] + qsAt), Sse2.LoadVector128(rows[6] + qsAt)).AsUInt32();
            var d = Vector256.Create(Sse2.LoadVector128(rows[3] + qsAt), Sse2.LoadVector128(rows[7] + qsAt)).AsUInt32();
            Transpose4(a, b, c, d, (uint*)quants, 8);
            return;
        }
        for (int r = 0; r < 8; r++)
        {
            uint* src = (uint*)(rows[r] + qsAt);
            for (int m = 0; m < 4; m++) ((uint*)quants)[8 * m + r] = src[m];
        }
    }

    /// <summary>
    /// Per 128-bit lane, the 4 × 4 dword transpose of rows a, b, c, d: output m (at <paramref name="dst"/> + m·stride dwords)
    /// is (a[m], b[m], c[m], d[m]) in each lane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose4(Vector256<uint> a, Vector256<uint> b, Vector256<uint> c, Vector256<uint> d, uint* dst, int stride)
    {
        var ab0 = Avx2.UnpackLow(a, b);   // a0 b0 a1 b1
        var ab1 = Avx2.UnpackHigh(a, b);  // a2 b2 a3 b3
        var cd0 = Avx2.UnpackLow(c, d);
        var cd1 = Avx2.UnpackHigh(c, d);
        Avx.Store(dst, Avx2.UnpackLow(ab0.AsUInt64(), cd0.AsUInt64()).AsUInt32());
        Avx.Store(dst + stride, Avx2.UnpackHigh(ab0.AsUInt64(), cd0.AsUInt64()).AsUInt32());
        Avx.Store(dst + 2 * stride, Avx2.UnpackLow(ab1.AsUInt64(), cd1.AsUInt64()).AsUInt32());
        Avx.Store(dst + 3 * stride, Avx2.UnpackHigh(ab1.AsUInt64(), cd1.AsUInt64()).AsUInt32());
    }

    /// <summary>The nibble of element e of row r: parts 0..3 hold elements 4m+j in their low nibbles, 4m+16+j in the high ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Nibble(byte* quants, int row, int e)
    {
        int k = e >> 2, j = e & 3;
        return k < 4 ? quants[32 * k + 4 * row + j] & 0xF : quants[32 * (k - 4) + 4 * row + j] >> 4;
    }

    /// <summary>Part k's nibbles (0..15) as bytes: k &lt; 4 the low nibbles of part k, else the high nibbles of part k − 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Values(byte* quants, int k)
    {
        if (k < 4) return Avx2.And(Avx.LoadVector256(quants + 32 * k), Vector256.Create((byte)0x0F));
        return Avx2.And(Avx2.ShiftRightLogical(Avx.LoadVector256(quants + 32 * (k - 4)).AsUInt16(), 4).AsByte(), Vector256.Create((byte)0x0F));
    }
}

internal readonly unsafe struct Q8_0X8 : IBlock32X8Format
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> FileUnsigned(byte* block) => FileBlock<BlockQ8_0>.Unsigned(block);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> FileSigned(byte* block) => FileBlock<BlockQ8_0>.Signed(block);
    public static int FileValue(byte* block, int e) => FileBlock<BlockQ8_0>.Value(block, e);

    public static GgmlType Type => GgmlType.Q8_0;
    public static int SourceSize => BlockQ8_0.Size;
    public static int QuantBytes => 256;
    public static int Offset => 128;
    public static bool Signed => true;

    /// <summary>Stored as value + 128 (unsigned), so the VNNI kernel loads them as they are.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Repack(byte** rows, byte* quants)
    {
        if (Avx2.IsSupported)
        {
            // Dwords 0..3 and 4..7 of every row as two 4 × 4 transposes per lane pair (rows r, r + 4 in the lanes).
            var flip = Vector256.Create(0x80808080u);
            for (int half = 0; half < 2; half++)
            {
                int at = 2 + 16 * half;
                var a = Vector256.Create(Sse2.LoadVector128(rows[0] + at), Sse2.LoadVector128(rows[4] + at)).AsUInt32() ^ flip;
                var b = Vector256.Create(Sse2.LoadVector128(rows[1] + at), Sse2.LoadVector128(rows[5] + at)).AsUInt32() ^ flip;
                var c = Vector256.Create(Sse2.LoadVector128(rows[2] + at), Sse2.LoadVector128(rows[6] + at)).AsUInt32() ^ flip;
                var d = Vector256.Create(Sse2.LoadVector128(rows[3] + at), Sse2.LoadVector128(rows[7] + at)).AsUInt32() ^ flip;
                X8Nibbles.Transpose4(a, b, c, d, (uint*)quants + 32 * half, 8);
            }
            return;
        }
        for (int r = 0; r < 8; r++)
        {
            uint* src = (uint*)(rows[r] + 2);
            for (int k = 0; k < 8; k++) ((uint*)quants)[8 * k + r] = src[k] ^ 0x80808080u;
        }
    }

    public static int Value(byte* quants, int row, int e) => (sbyte)(quants[32 * (e >> 2) + 4 * row + (e & 3)] ^ 0x80);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Unsigned(byte* quants, int k) => Avx.LoadVector256(quants + 32 * k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> SignedValues(byte* quants, int k) =>
        Avx2.Xor(Avx.LoadVector256(quants + 32 * k), Vector256.Create((byte)0x80)).AsSByte();
}

internal readonly unsafe struct Q4_0X8 : IBlock32X8Format
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> FileUnsigned(byte* block) => FileBlock<BlockQ4_0>.Unsigned(block);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> FileSigned(byte* block) => FileBlock<BlockQ4_0>.Signed(block);
    public static int FileValue(byte* block, int e) => FileBlock<BlockQ4_0>.Value(block, e);

    public static GgmlType Type => GgmlType.Q4_0;
    public static int SourceSize => BlockQ4_0.Size;
    public static int QuantBytes => 128;
    public static int Offset => 8;
    public static bool Signed => false;
    public static void Repack(byte** rows, byte* quants) => X8Nibbles.Repack(rows, 2, quants);
    public static int Value(byte* quants, int row, int e) => X8Nibbles.Nibble(quants, row, e) - 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Unsigned(byte* quants, int k) => X8Nibbles.Values(quants, k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> SignedValues(byte* quants, int k) => Avx2.Subtract(X8Nibbles.Values(quants, k), Vector256.Create((byte)8)).AsSByte();
}

/// <summary>Q5_0: the nibbles as Q4_0, then 32 bytes of fifth bits: byte 4r+j, bit k = the fifth bit of row r's element 4k+j.</summary>
internal readonly unsafe struct Q5_0X8 : IBlock32X8Format
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> FileUnsigned(byte* block) => FileBlock<BlockQ5_0>.Unsigned(block);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> FileSigned(byte* block) => FileBlock<BlockQ5_0>.Signed(block);
    public static int FileValue(byte* block, int e) => FileBlock<BlockQ5_0>.Value(block, e);

    public static GgmlType Type => GgmlType.Q5_0;
    public static int SourceSize => BlockQ5_0.Size;
    public static int QuantBytes => 160;
    public static int Offset => 16;
    public static bool Signed => false;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Repack(byte** rows, byte* quants)
    {
        X8Nibbles.Repack(rows, 6, quants);
        for (int r = 0; r < 8; r++)
        {
            uint qh = *(uint*)(rows[r] + 2);
            for (int j = 0; j < 4; j++) quants[128 + 4 * r + j] = (byte)HighBitsOf(qh, j);
        }
    }

    /// <summary>Bits j, j+4, …, j+28 of <paramref name="qh"/> as bits 0..7.</summary>
    private static uint HighBitsOf(uint qh, int j)
    {
        if (Bmi2.IsSupported) return Bmi2.ParallelBitExtract(qh, 0x11111111u << j);
        uint bits = 0;
        for (int k = 0; k < 8; k++) bits |= (qh >> (4 * k + j) & 1) << k;
        return bits;
    }

    public static int Value(byte* quants, int row, int e) =>
        (X8Nibbles.Nibble(quants, row, e) | (quants[128 + 4 * row + (e & 3)] >> (e >> 2) & 1) << 4) - 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Unsigned(byte* quants, int k)
    {
        var low = X8Nibbles.Values(quants, k);
        var high = Avx.LoadVector256(quants + 128).AsUInt16();
        // Bit k of each byte to bit 4. A 16-bit shift carries bits across the byte boundary, but never into bit 4.
        high = k switch
        {
            0 => Avx2.ShiftLeftLogical(high, 4),
            1 => Avx2.ShiftLeftLogical(high, 3),
            2 => Avx2.ShiftLeftLogical(high, 2),
            3 => Avx2.ShiftLeftLogical(high, 1),
            4 => high,
            5 => Avx2.ShiftRightLogical(high, 1),
            6 => Avx2.ShiftRightLogical(high, 2),
            _ => Avx2.ShiftRightLogical(high, 3),
        };
        // low | (high & 0x10): with A = low (0xF0), B = high (0xCC), C = 0x10 (0xAA), A | (B & C) is 0xF8.
        if (Avx512F.VL.IsSupported) return Avx512F.VL.TernaryLogic(low, high.AsByte(), Vector256.Create((byte)0x10), 0xF8);
        return Avx2.Or(low, Avx2.And(high.AsByte(), Vector256.Create((byte)0x10)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> SignedValues(byte* quants, int k) => Avx2.Subtract(Unsigned(quants, k), Vector256.Create((byte)16)).AsSByte();
}

internal readonly unsafe struct IQ4_NLX8 : IBlock32X8Format
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> FileUnsigned(byte* block) => FileBlock<BlockIQ4_NL>.Unsigned(block);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> FileSigned(byte* block) => FileBlock<BlockIQ4_NL>.Signed(block);
    public static int FileValue(byte* block, int e) => FileBlock<BlockIQ4_NL>.Value(block, e);

    public static GgmlType Type => GgmlType.IQ4_NL;
    public static int SourceSize => BlockIQ4_NL.Size;
    public static int QuantBytes => 128;
    public static int Offset => 128;
    public static bool Signed => true;
    public static void Repack(byte** rows, byte* quants) => X8Nibbles.Repack(rows, 2, quants);
    public static int Value(byte* quants, int row, int e) => BlockIQ4_NL.Grid[X8Nibbles.Nibble(quants, row, e)];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Unsigned(byte* quants, int k) => Avx2.Shuffle(Vector256.Create(
        (byte)1, 24, 45, 63, 79, 93, 106, 118, 129, 141, 153, 166, 181, 197, 217, 241,
        1, 24, 45, 63, 79, 93, 106, 118, 129, 141, 153, 166, 181, 197, 217, 241), X8Nibbles.Values(quants, k));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> SignedValues(byte* quants, int k) => Avx2.Shuffle(Vector256.Create(
        (sbyte)-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113,
        -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113), X8Nibbles.Values(quants, k).AsSByte());
}
