using System.Runtime.CompilerServices;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// The row-interleaved layout of the 32-block formats without minimums (Q8_0, Q4_0, Q5_0, IQ4_NL), built once per matrix from
/// the file's rows (<c>InterleavedWeights</c>, on a background thread after load). Rows go in groups of 8; a group is its blocks' quant parts one after another
/// (<see cref="IBlock32X8Format.QuantBytes"/> each), then 8 f16 scales per block (row order), so a group takes exactly the
/// bytes its 8 file rows take. In this layout one byte-product instruction advances 8 rows at once, each in its own lane:
/// a block costs a conversion, a multiply and an FMA per 8 rows and token instead of per row and token, which is what lets
/// batched decode share the weights' trip from memory without paying it back in arithmetic.
/// <para>
/// The arithmetic, per (row, token) and identical in every tier (<see cref="Block32X8Gemm{TFormat}"/>): block b's exact integer
/// sum I_b of value × activation, s_b = d_w · d_a rounded to f32, acc = fma(I_b, s_b, acc) from block 0 on; the result is
/// acc. (One chain: with 4 tokens a tile has 4 of them, and a second chain per token spilled registers.) Single-token and
/// batched products of an interleaved matrix therefore agree bit for bit.
/// </para>
/// <para>
/// The K-quants stay in the file layout: a Q6_K interleaving (6-bit parts in nibble and 2-bit planes, group scales applied
/// with <c>vpmulld</c>) measured 14 % slower for one token and 5 % slower for four than the superblock kernels, which already
/// pay their conversion and FMA once per 256 elements; what the layout saves for the 32-block formats is exactly that.
/// </para>
/// </summary>
public static unsafe class Block32X8
{
    public const int Rows = 8;

    public static bool Supports(GgmlType type) => type is GgmlType.Q8_0 or GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.IQ4_NL;

    /// <summary>True when a matrix of this type and shape can be interleaved: whole groups of 8 rows, whole blocks.</summary>
    public static bool CanInterleave(GgmlType type, int rows, int cols) =>
        Supports(type) && rows > 0 && rows % Rows == 0 && cols > 0 && cols % 32 == 0;

    /// <summary>Bytes of one group of 8 rows (8 file rows' worth).</summary>
    public static long GroupBytes(GgmlType type, int cols) => Rows * GgmlTypeInfo.RowSize(type, cols);

    /// <summary>
    /// Interleaves groups [<paramref name="firstGroup"/>, firstGroup + <paramref name="groups"/>) of the
    /// <paramref name="rowBytes"/>-strided file rows at <paramref name="src"/> into <paramref name="dst"/> (the layout of the
    /// whole matrix: group g at g·<see cref="GroupBytes"/>). Disjoint group ranges may be repacked by several threads at once.
    /// </summary>
    public static void Repack(GgmlType type, byte* src, long rowBytes, int cols, byte* dst, int firstGroup, int groups)
    {
        switch (type)
        {
            case GgmlType.Q8_0: Repack<Q8_0X8>(src, rowBytes, cols, dst, firstGroup, groups); break;
            case GgmlType.Q4_0: Repack<Q4_0X8>(src, rowBytes, cols, dst, firstGroup, groups); break;
            case GgmlType.Q5_0: Repack<Q5_0X8>(src, rowBytes, cols, dst, firstGroup, groups); break;
            case GgmlType.IQ4_NL: Repack<IQ4_NLX8>(src, rowBytes, cols, dst, firstGroup, groups); break;
            default: throw new ArgumentException($"{GgmlTypeInfo.Name(type)} has no interleaved layout");
        }
    }

    /// <summary>
    /// Row <paramref name="row"/> of an interleaved matrix as f32, the values <see cref="Dequantize.Row"/> gives from the
    /// file row (an embedding lookup of a tied output matrix, whose file pages the copy replaced).
    /// </summary>
    public static void DequantizeRow(GgmlType type, byte* interleaved, int cols, int row, Span<float> dst)
    {
        switch (type)
        {
            case GgmlType.Q8_0: DequantizeRow<Q8_0X8>(interleaved, cols, row, dst); break;
            case GgmlType.Q4_0: DequantizeRow<Q4_0X8>(interleaved, cols, row, dst); break;
            case GgmlType.Q5_0: DequantizeRow<Q5_0X8>(interleaved, cols, row, dst); break;
            case GgmlType.IQ4_NL: DequantizeRow<IQ4_NLX8>(interleaved, cols, row, dst); break;
            default: throw new ArgumentException($"{GgmlTypeInfo.Name(type)} has no interleaved layout");
        }
    }

    private static void DequantizeRow<TFormat>(byte* interleaved, int cols, int row, Span<float> dst) where TFormat : struct, IBlock32X8Format
    {
        int blocks = cols / 32, r = row % Rows;
        byte* group = interleaved + (long)(row / Rows) * blocks * (TFormat.QuantBytes + 16);
        ushort* scales = (ushort*)(group + (long)blocks * TFormat.QuantBytes);
        for (int b = 0; b < blocks; b++)
        {
            byte* quants = group + (long)b * TFormat.QuantBytes;
            float d = Fp16.ToSingle(scales[Rows * b + r]);
            for (int e = 0; e < 32; e++) dst[32 * b + e] = TFormat.Value(quants, r, e) * d;
        }
    }

    // Fully optimized from the first call: a model load runs it over every interleaved matrix once.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Repack<TFormat>(byte* src, long rowBytes, int cols, byte* dst, int firstGroup, int groups)
        where TFormat : struct, IBlock32X8Format
    {
        int blocks = cols / 32;
        long groupBytes = (long)blocks * (TFormat.QuantBytes + 16);
        var rows = stackalloc byte*[Rows];
        for (int g = firstGroup; g < firstGroup + groups; g++)
        {
            byte* group = dst + g * groupBytes;
            ushort* scales = (ushort*)(group + (long)blocks * TFormat.QuantBytes);
            for (int b = 0; b < blocks; b++)
            {
                for (int r = 0; r < Rows; r++)
                {
                    rows[r] = src + (Rows * (long)g + r) * rowBytes + (long)b * TFormat.SourceSize;
                    scales[Rows * b + r] = *(ushort*)rows[r];
                }
                TFormat.Repack(rows, group + (long)b * TFormat.QuantBytes);
            }
        }
    }
}
