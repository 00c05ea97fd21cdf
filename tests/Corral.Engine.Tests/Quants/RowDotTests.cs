using System.Buffers.Binary;
using Corral.Engine.Kernels;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;

namespace Corral.Engine.Tests.Quants;

public class RowDotTests
{
    public static TheoryData<GgmlType> WeightTypes =>
    [
        GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.IQ4_NL,
        GgmlType.Q4_1, GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_XS,
    ];

    /// <summary>Vector kernels must exist at every tier for the types decode speed depends on.</summary>
    public static TheoryData<GgmlType> FastTypes => [GgmlType.F32, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0];

    private static int[] Lengths(GgmlType type)
    {
        int bs = GgmlTypeInfo.BlockSize(type);
        if (bs == 1) return [1, 7, 31, 32, 33, 63, 64, 100, 255, 256, 896, 1000];
        int[] blocks = bs == 32 ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 28, 33] : [1, 2, 3, 4, 5, 7];
        return blocks.Select(b => b * bs).ToArray();
    }

    private static byte[] Activations(GgmlType vec, int n, Random rng, int trial) =>
        trial % 2 == 0 ? QuantTestData.QuantizedActivations(vec, n, rng) : QuantTestData.RandomActivations(vec, n, rng);

    [Theory]
    [MemberData(nameof(WeightTypes))]
    public void EveryTierGivesTheScalarResultBitForBit(GgmlType type)
    {
        var rng = new Random(1000 + (int)type);
        var vec = VecDot.TypeFor(type);
        var scalar = RowDotKernels.For(type, IsaLevel.Scalar);
        Assert.Equal(IsaLevel.Scalar, scalar.Isa);
        var kernels = RowDotKernels.All(type);
        Assert.Contains(kernels, k => k.Isa == CpuIsa.Supported || (k.Isa == IsaLevel.Avx2 && CpuIsa.Supported == IsaLevel.Avx512));
        foreach (int n in Lengths(type))
        {
            for (int trial = 0; trial < 12; trial++)
            {
                var w = QuantTestData.RandomWeights(type, n, rng, edgeChance: trial < 6 ? 0.02 : 0.3);
                var a = Activations(vec, n, rng, trial);
                uint expected = BitConverter.SingleToUInt32Bits(scalar.Dot(w, a, n));
                foreach (var k in kernels)
                {
                    uint actual = BitConverter.SingleToUInt32Bits(k.Dot(w, a, n));
                    Assert.True(expected == actual,
                        $"{k.Name} n={n} trial={trial}: {BitConverter.UInt32BitsToSingle(actual):R} vs scalar {BitConverter.UInt32BitsToSingle(expected):R}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(WeightTypes))]
    public void MatchesADoublePrecisionReference(GgmlType type)
    {
        var rng = new Random(2000 + (int)type);
        var vec = VecDot.TypeFor(type);
        var kernel = RowDotKernels.For(type, CpuIsa.Supported);
        foreach (int n in Lengths(type))
        {
            for (int trial = 0; trial < 10; trial++)
            {
                // Ordinary scales only: the tolerance is relative, and ±65504 scales would make it meaningless.
                var w = QuantTestData.RandomWeights(type, n, rng, edgeChance: 0);
                var a = Activations(vec, n, rng, trial);
                var (expected, magnitude) = Reference(type, vec, w, a, n);
                double actual = kernel.Dot(w, a, n);
                int steps = n / Math.Max(GgmlTypeInfo.BlockSize(type), 32) + 1;
                double tolerance = (steps + 16) * Math.Pow(2, -23) * magnitude + 1e-30;
                Assert.True(Math.Abs(actual - expected) <= tolerance,
                    $"{kernel.Name} n={n} trial={trial}: {actual:R} vs {expected:R} (tolerance {tolerance:E2})");
            }
        }
    }

    [Theory]
    [MemberData(nameof(WeightTypes))]
    public unsafe void DotRowsEqualsDotPerRow(GgmlType type)
    {
        var rng = new Random(3000 + (int)type);
        // 3 blocks: only the kernels' tails; 11 blocks: the 4-block steps and a tail of 3.
        foreach (int blocks in new[] { 3, 11 })
            CheckDotRows(type, GgmlTypeInfo.BlockSize(type) == 1 ? 32 * blocks : GgmlTypeInfo.BlockSize(type) * blocks, rng);
    }

    private static unsafe void CheckDotRows(GgmlType type, int n, Random rng)
    {
        var vec = VecDot.TypeFor(type);
        const int rows = 7; // odd: kernels that take rows in pairs also run their single-row path
        int rowBytes = (int)GgmlTypeInfo.RowSize(type, n);
        int stride = rowBytes + 8; // rows need not be packed
        var w = new byte[stride * rows];
        for (int r = 0; r < rows; r++) QuantTestData.RandomWeights(type, n, rng).CopyTo(w, r * stride);
        var a = QuantTestData.QuantizedActivations(vec, n, rng);
        foreach (var k in RowDotKernels.All(type))
        {
            var y = new float[rows];
            fixed (byte* pw = w) fixed (byte* pa = a) fixed (float* py = y)
            {
                k.DotRows(pw, stride, pa, py, rows, n);
                for (int r = 0; r < rows; r++)
                    Assert.Equal(BitConverter.SingleToUInt32Bits(k.Dot(pw + r * stride, pa, n)), BitConverter.SingleToUInt32Bits(py[r]));
                // In steps (odd and even lengths, a short last step), as the matrix product streams rows.
                foreach (int step in new[] { 1, 3, 4, rows })
                {
                    var z = new float[rows];
                    fixed (float* pz = z) k.DotRowsPrefetching(pw, stride, pa, pz, rows, n, step);
                    for (int r = 0; r < rows; r++) Assert.Equal(BitConverter.SingleToUInt32Bits(y[r]), BitConverter.SingleToUInt32Bits(z[r]));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(FastTypes))]
    public void FastTypesHaveAKernelAtEveryTier(GgmlType type)
    {
        foreach (var isa in QuantTestData.SupportedTiers())
        {
            var k = RowDotKernels.For(type, isa);
            Assert.Equal(type, k.WeightType);
            Assert.True(k.IsSupported);
            Assert.True(k.Isa <= isa, $"{k.Name} is above {isa}");
            // A vector tier gets a vector kernel (AVX-VNNI counts as AVX2 and may serve the AVX-512 tier).
            Assert.Equal(isa == IsaLevel.Scalar, k.Isa == IsaLevel.Scalar);
        }
        // Each tier's own kernel exists too, whether or not it is preferred.
        foreach (var isa in QuantTestData.SupportedTiers())
        {
            Assert.Contains(RowDotKernels.All(type), k => k.Isa == isa);
        }
    }

    [Fact]
    public void RejectsLengthsThatAreNotWholeBlocks()
    {
        var k = RowDotKernels.For(GgmlType.Q8_0, IsaLevel.Scalar);
        Assert.Throws<ArgumentException>(() => k.Dot(new byte[68], new byte[68], 48));
        Assert.Throws<ArgumentException>(() => k.Dot(new byte[33], new byte[34], 32));
    }

    /// <summary>llama.cpp's kernel formula (engine.md §3.1) in double: the exact value and a bound on the magnitudes summed.</summary>
    private static (double Value, double Magnitude) Reference(GgmlType type, GgmlType vec, byte[] w, byte[] a, int n)
    {
        var wd = SpecDecoder<double>.Decode(type, w, n);
        var wm = SpecDecoder<double>.Decode(type, w, n, magnitude: true);
        var ad = SpecDecoder<double>.Decode(vec, a, n);
        double value = 0, magnitude = 0;
        if (vec != GgmlType.Q8_1)
        {
            for (int i = 0; i < n; i++)
            {
                value += wd[i] * ad[i];
                magnitude += Math.Abs(wm[i]) * Math.Abs(ad[i]);
            }
            return (value, magnitude);
        }
        // Q4_1/Q5_1: the offset m meets the activations through the stored s = f16(d·Σq), not through Σ a.
        int ts = GgmlTypeInfo.TypeSize(type);
        for (int b = 0; b < n / 32; b++)
        {
            double m = (double)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(w.AsSpan(b * ts + 2)));
            double s = (double)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(a.AsSpan(b * 36 + 2)));
            for (int i = 32 * b; i < 32 * b + 32; i++)
            {
                value += (wd[i] - m) * ad[i];
                magnitude += Math.Abs(wd[i] - m) * Math.Abs(ad[i]);
            }
            value += m * s;
            magnitude += Math.Abs(m * s);
        }
        return (value, magnitude);
    }
}
