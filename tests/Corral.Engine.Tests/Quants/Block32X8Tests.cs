using Corral.Engine.Kernels;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;

namespace Corral.Engine.Tests.Quants;

/// <summary>
/// The row-interleaved layout: repacking keeps every value and scale, and every tier's product equals, bit for bit, the
/// layout's arithmetic computed here straight from the file rows, for one token and for batches alike; so do the
/// tiers' products from the file rows themselves (any row count), which serve until the copy exists.
/// </summary>
public unsafe class Block32X8Tests
{
    public static TheoryData<GgmlType> Types => [GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.IQ4_NL];

    [Theory]
    [MemberData(nameof(Types))]
    public void EveryTierEqualsTheLayoutArithmeticFromTheFileRows(GgmlType type)
    {
        var rng = new Random((int)type * 17 + 3);
        var tiers = InterleavedKernels.All(type);
        Assert.Contains(tiers, k => k.Isa == IsaLevel.Scalar);
        foreach (int n in new[] { 8 * 32, 7 * 32, 32 })
        {
            const int rows = 24;
            long rowBytes = GgmlTypeInfo.RowSize(type, n);
            var w = new byte[rows * rowBytes];
            for (int r = 0; r < rows; r++) QuantTestData.RandomWeights(type, n, rng).CopyTo(w.AsSpan((int)(r * rowBytes)));
            var packed = new byte[w.Length];
            fixed (byte* pw = w, pp = packed)
            {
                // In two ranges of groups, as the loader splits the work.
                Block32X8.Repack(type, pw, rowBytes, n, pp, 0, 1);
                Block32X8.Repack(type, pw, rowBytes, n, pp, 1, rows / 8 - 1);
            }
            foreach (int tokens in new[] { 1, 2, 3, 4, 5, 9 })
            {
                int aRow = ActivationQuantizer.RowSize(GgmlType.Q8_0, n) + 6; // a stride wider than the row
                var a = new byte[tokens * aRow];
                for (int t = 0; t < tokens; t++) QuantTestData.QuantizedActivations(GgmlType.Q8_0, n, rng).CopyTo(a.AsSpan(t * aRow));
                var expected = Reference(type, w, rowBytes, rows, n, a, aRow, tokens);
                foreach (var kernel in tiers)
                {
                    var got = new float[tokens * rows];
                    var prep = new byte[kernel.PreparedBytes(n, tokens)];
                    fixed (byte* pp = packed, pa = a, pr = prep)
                    fixed (float* pg = got)
                    {
                        int split = tokens / 2;
                        kernel.Prepare(pa, aRow, n, pr, 0, split);
                        kernel.Prepare(pa, aRow, n, pr, split, tokens - split);
                        // Rows in two calls, as the matrix product splits them.
                        long groupBytes = Block32X8.GroupBytes(type, n);
                        kernel.DotTile(pp, 8, pa, aRow, pr, tokens, n, pg, rows);
                        kernel.DotTile(pp + groupBytes, rows - 8, pa, aRow, pr, tokens, n, pg + 8, rows);
                    }
                    for (int i = 0; i < expected.Length; i++)
                        Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(got[i]),
                            $"{kernel.Name} n={n} tokens={tokens} row {i % rows} token {i / rows}: {got[i]} != {expected[i]}");

                    // The file rows give the same bits: all of them, and a last group short of 8 rows.
                    foreach (int fileRows in new[] { rows, 13 })
                    {
                        var fromFile = new float[tokens * rows];
                        fixed (byte* pw = w, pa = a, pr = prep)
                        fixed (float* pf = fromFile)
                        {
                            kernel.DotTileFileRows(pw, (nint)rowBytes, 5, pa, aRow, pr, tokens, n, pf, rows);
                            kernel.DotTileFileRows(pw + 5 * rowBytes, (nint)rowBytes, fileRows - 5, pa, aRow, pr, tokens, n, pf + 5, rows);
                        }
                        for (int t = 0; t < tokens; t++)
                            for (int r = 0; r < fileRows; r++)
                                Assert.True(BitConverter.SingleToInt32Bits(expected[t * rows + r]) == BitConverter.SingleToInt32Bits(fromFile[t * rows + r]),
                                    $"{kernel.Name} file rows n={n} tokens={tokens} row {r} token {t}: {fromFile[t * rows + r]} != {expected[t * rows + r]}");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void RowsReadBackFromTheCopyAreTheFileRowsValues(GgmlType type)
    {
        var rng = new Random((int)type + 101);
        const int rows = 16, n = 96;
        long rowBytes = GgmlTypeInfo.RowSize(type, n);
        var w = new byte[rows * rowBytes];
        for (int r = 0; r < rows; r++) QuantTestData.RandomWeights(type, n, rng).CopyTo(w.AsSpan((int)(r * rowBytes)));
        var packed = new byte[w.Length];
        fixed (byte* pw = w, pp = packed)
        {
            Block32X8.Repack(type, pw, rowBytes, n, pp, 0, rows / 8);
            for (int r = 0; r < rows; r++)
            {
                var expected = new float[n];
                var got = new float[n];
                Dequantize.Row(type, w.AsSpan((int)(r * rowBytes), (int)rowBytes), expected);
                Block32X8.DequantizeRow(type, pp, n, r, got);
                for (int i = 0; i < n; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(got[i]), $"{type} row {r} element {i}: {got[i]} != {expected[i]}");
            }
        }
    }

    [Fact]
    public void OnlyWholeGroupsOfTheFormatsWithoutMinimumsInterleave()
    {
        Assert.True(Block32X8.CanInterleave(GgmlType.Q5_0, 896, 4864));
        Assert.False(Block32X8.CanInterleave(GgmlType.Q5_0, 12, 64));
        Assert.False(Block32X8.CanInterleave(GgmlType.Q4_1, 16, 64));
        Assert.False(Block32X8.CanInterleave(GgmlType.Q4_K, 16, 256));
        Assert.False(Block32X8.CanInterleave(GgmlType.Q6_K, 16, 512));
        Assert.Equal(8 * GgmlTypeInfo.RowSize(GgmlType.Q5_0, 896), Block32X8.GroupBytes(GgmlType.Q5_0, 896));
    }

    /// <summary>The layout's arithmetic from the file's own rows: exact block sums, d_w·d_a in f32, one FMA chain over the blocks.</summary>
    private static float[] Reference(GgmlType type, byte[] w, long rowBytes, int rows, int n, byte[] a, int aRow, int tokens)
    {
        var result = new float[tokens * rows];
        int blocks = n / 32;
        int size = (int)(rowBytes / blocks);
        for (int t = 0; t < tokens; t++)
            for (int r = 0; r < rows; r++)
            {
                float acc = 0;
                for (int b = 0; b < blocks; b++)
                {
                    int block = (int)(r * rowBytes) + b * size;
                    int act = t * aRow + b * BlockQ8_0.Size;
                    int sum = 0;
                    for (int e = 0; e < 32; e++) sum += Value(type, w.AsSpan(block, size), e) * (sbyte)a[act + 2 + e];
                    float s = (float)BitConverter.UInt16BitsToHalf(BitConverter.ToUInt16(w, block))
                        * (float)BitConverter.UInt16BitsToHalf(BitConverter.ToUInt16(a, act));
                    acc = MathF.FusedMultiplyAdd(sum, s, acc);
                }
                result[t * rows + r] = acc;
            }
        return result;
    }

    /// <summary>An element's integer value as engine.md §2.3 defines the format (independent of the kernels' decoders).</summary>
    private static int Value(GgmlType type, ReadOnlySpan<byte> block, int e)
    {
        int at = type == GgmlType.Q5_0 ? 6 : 2;
        int nibble = e < 16 ? block[at + e] & 0xF : block[at + e - 16] >> 4;
        return type switch
        {
            GgmlType.Q8_0 => (sbyte)block[2 + e],
            GgmlType.Q4_0 => nibble - 8,
            GgmlType.Q5_0 => (nibble | (int)(BitConverter.ToUInt32(block[2..]) >> e & 1) << 4) - 16,
            GgmlType.IQ4_NL => BlockIQ4_NL.Grid[nibble],
            _ => throw new ArgumentException(type.ToString()),
        };
    }
}
