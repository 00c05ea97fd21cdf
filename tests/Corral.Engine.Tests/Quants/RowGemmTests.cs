using Corral.Engine.Kernels;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;

namespace Corral.Engine.Tests.Quants;

/// <summary>
/// Every matrix–matrix tile must give, for each (row, token), exactly the bits of the scalar matrix–vector kernel: that
/// is what makes prompt processing, batched decode and single-token decode agree, and every tier agree.
/// </summary>
public unsafe class RowGemmTests
{
    public static TheoryData<GgmlType> Types =>
    [
        GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.IQ4_NL, GgmlType.Q4_1, GgmlType.Q5_1,
        GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.F16, GgmlType.F32, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.IQ4_XS,
    ];

    [Theory]
    [MemberData(nameof(Types))]
    public void EveryTileEqualsTheScalarDotBitForBit(GgmlType type)
    {
        var rng = new Random((int)type * 31 + 5);
        int block = GgmlTypeInfo.BlockSize(type);
        var reference = RowDotKernels.For(type, IsaLevel.Scalar);
        foreach (int n in type is GgmlType.F16 or GgmlType.F32 ? new[] { 256, 64, 40 } : new[] { 8 * block, 7 * block, block })
        {
            const int rows = 5;
            foreach (int tokens in new[] { 1, 2, 3, 4, 5, 9 })
            {
                var w = new byte[rows * GgmlTypeInfo.RowSize(type, n)];
                for (int r = 0; r < rows; r++)
                    QuantTestData.RandomWeights(type, n, rng).CopyTo(w.AsSpan((int)(r * GgmlTypeInfo.RowSize(type, n))));
                var vecDot = reference.ActivationType;
                int aRow = ActivationQuantizer.RowSize(vecDot, n) + 8; // a stride wider than the row
                var a = new byte[tokens * aRow];
                for (int t = 0; t < tokens; t++)
                    QuantTestData.QuantizedActivations(vecDot, n, rng).CopyTo(a.AsSpan(t * aRow));
                var expected = new float[tokens * rows];
                fixed (byte* pw = w, pa = a)
                fixed (float* pe = expected)
                {
                    long rowBytes = GgmlTypeInfo.RowSize(type, n);
                    for (int t = 0; t < tokens; t++) reference.DotRows(pw, (nint)rowBytes, pa + t * aRow, pe + t * rows, rows, n);
                    foreach (var gemm in RowGemmKernels.All(type))
                    {
                        long prepBytes = gemm.PreparedBytes(n, tokens);
                        var prep = GC.AllocateArray<byte>((int)prepBytes + 64, pinned: true);
                        var got = new float[tokens * rows];
                        fixed (byte* pp = prep)
                        fixed (float* pg = got)
                        {
                            byte* aligned = (byte*)(((nint)pp + 63) & ~(nint)63);
                            // Prepared in two token ranges, as the matrix product splits the work.
                            int split = tokens / 2 / gemm.TokenGroup * gemm.TokenGroup;
                            gemm.Prepare(pa, aRow, tokens, n, aligned, 0, split);
                            gemm.Prepare(pa, aRow, tokens, n, aligned, split, tokens - split);
                            // Rows in two calls, as the matrix product splits them.
                            gemm.DotTile(pw, (nint)rowBytes, 2, pa, aRow, aligned, tokens, n, pg, rows);
                            gemm.DotTile(pw + 2 * rowBytes, (nint)rowBytes, rows - 2, pa, aRow, aligned, tokens, n, pg + 2, rows);
                        }
                        for (int i = 0; i < got.Length; i++)
                            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(got[i]) || (float.IsNaN(expected[i]) && float.IsNaN(got[i])),
                                $"{gemm.Name} n={n} tokens={tokens} token {i / rows} row {i % rows}: {got[i]:R}, scalar dot {expected[i]:R}");
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q5_0)]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q5_K)]
    [InlineData(GgmlType.Q6_K)]
    [InlineData(GgmlType.F16)]
    public void RequiredTypesHaveATiledKernelOnVectorHardware(GgmlType type)
    {
        if (!CpuIsa.IsSupported(IsaLevel.Avx2)) return;
        Assert.IsNotType<RowDotGemm>(RowGemmKernels.For(type, IsaLevel.Avx2));
        Assert.IsNotType<RowDotGemm>(RowGemmKernels.For(type, CpuIsa.Supported));
        Assert.IsType<RowDotGemm>(RowGemmKernels.For(type, IsaLevel.Scalar));
    }
}
