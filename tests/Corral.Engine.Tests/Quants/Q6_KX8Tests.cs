using Corral.Engine.Kernels;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;

namespace Corral.Engine.Tests.Quants;

/// <summary>
/// Q6_K's row-interleaved layout: every tier's product equals, bit for bit, the layout's arithmetic computed here from the
/// file rows (exact integer superblock sums with the group scales, d_w·d_a in f32, one FMA chain), for one token and batches.
/// </summary>
public unsafe class Q6_KX8Tests
{
    [Fact]
    public void EveryTierEqualsTheLayoutArithmeticFromTheFileRows()
    {
        var rng = new Random(61);
        var tiers = InterleavedKernels.All(GgmlType.Q6_K);
        Assert.Contains(tiers, k => k.Isa == IsaLevel.Scalar);
        foreach (int n in new[] { 256, 3 * 256 })
        {
            const int rows = 16;
            long rowBytes = GgmlTypeInfo.RowSize(GgmlType.Q6_K, n);
            var w = new byte[rows * rowBytes];
            for (int r = 0; r < rows; r++) QuantTestData.RandomWeights(GgmlType.Q6_K, n, rng).CopyTo(w.AsSpan((int)(r * rowBytes)));
            var packed = new byte[w.Length];
            fixed (byte* pw = w, pp = packed)
            {
                RowInterleaving.Repack(GgmlType.Q6_K, pw, rowBytes, n, pp, 0, 1);
                RowInterleaving.Repack(GgmlType.Q6_K, pw, rowBytes, n, pp, 1, 1);
            }
            foreach (int tokens in new[] { 1, 3, 4, 6 })
            {
                int aRow = ActivationQuantizer.RowSize(GgmlType.Q8_K, n) + 4;
                var a = new byte[tokens * aRow];
                for (int t = 0; t < tokens; t++) QuantTestData.QuantizedActivations(GgmlType.Q8_K, n, rng).CopyTo(a.AsSpan(t * aRow));
                var expected = Reference(w, rowBytes, rows, n, a, aRow, tokens);
                foreach (var kernel in tiers)
                {
                    var got = new float[tokens * rows];
                    var prep = new byte[kernel.PreparedBytes(n, tokens)];
                    fixed (byte* pp = packed, pa = a, pr = prep)
                    fixed (float* pg = got)
                    {
                        kernel.Prepare(pa, aRow, n, pr, 0, tokens);
                        kernel.DotTile(pp, 8, pa, aRow, pr, tokens, n, pg, rows);
                        kernel.DotTile(pp + RowInterleaving.GroupBytes(GgmlType.Q6_K, n), 8, pa, aRow, pr, tokens, n, pg + 8, rows);
                    }
                    for (int i = 0; i < expected.Length; i++)
                        Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(got[i]),
                            $"{kernel.Name} n={n} tokens={tokens} row {i % rows} token {i / rows}: {got[i]} != {expected[i]}");
                }
            }
        }
    }

    private static float[] Reference(byte[] w, long rowBytes, int rows, int n, byte[] a, int aRow, int tokens)
    {
        var result = new float[tokens * rows];
        for (int t = 0; t < tokens; t++)
            for (int r = 0; r < rows; r++)
            {
                float acc = 0;
                for (int s = 0; s < n / 256; s++)
                {
                    int block = (int)(r * rowBytes) + s * BlockQ6_K.Size;
                    int act = t * aRow + s * BlockQ8_K.Size;
                    int total = 0;
                    for (int g = 0; g < 16; g++)
                    {
                        int sum = 0;
                        for (int e = 16 * g; e < 16 * g + 16; e++) sum += (Value(w.AsSpan(block, BlockQ6_K.Size), e) - 32) * (sbyte)a[act + 4 + e];
                        total += sum * (sbyte)w[block + 192 + g];
                    }
                    float scale = (float)BitConverter.UInt16BitsToHalf(BitConverter.ToUInt16(w, block + 208)) * BitConverter.ToSingle(a, act);
                    acc = MathF.FusedMultiplyAdd(total, scale, acc);
                }
                result[t * rows + r] = acc;
            }
        return result;
    }

    /// <summary>Element e's unsigned value as llama.cpp's dequantize_row_q6_K lays it out (engine.md §2.3).</summary>
    private static int Value(ReadOnlySpan<byte> block, int e)
    {
        int half = e / 128, l = e % 32, quarter = e % 128 / 32;
        int ql = block[64 * half + l + (quarter % 2 == 1 ? 32 : 0)];
        int low = quarter < 2 ? ql & 0xF : ql >> 4;
        int high = (block[128 + 32 * half + l] >> (2 * quarter)) & 3;
        return low | high << 4;
    }
}
