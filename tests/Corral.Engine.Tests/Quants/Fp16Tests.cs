using Corral.Engine.Kernels;
using Corral.Engine.Quants;
using Fp16 = Corral.Engine.Quants.Fp16;

namespace Corral.Engine.Tests.Quants;

public class Fp16Tests
{
    [Fact]
    public void ToSingleIsExactForEveryHalf()
    {
        for (int h = 0; h < 65536; h++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)h);
            float actual = Fp16.ToSingleComputed((ushort)h);
            if (float.IsNaN(expected))
            {
                // NaN stays NaN, quiet, with the payload moved up (what F16C vcvtph2ps does).
                uint bits = BitConverter.SingleToUInt32Bits(actual);
                Assert.True(float.IsNaN(actual));
                Assert.Equal((uint)(h & 0x8000) << 16 | 0x7FC00000u | (uint)(h & 0x3FF) << 13, bits);
            }
            else
            {
                Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(actual));
            }
            Assert.Equal(BitConverter.SingleToUInt32Bits(actual), BitConverter.SingleToUInt32Bits(Fp16.ToSingle((ushort)h)));
        }
    }

    [Fact]
    public void FastVectorWideningIsExactForEveryHalf()
    {
        if (!CpuIsa.IsSupported(IsaLevel.Avx2)) return;
        var all = new ushort[65536];
        for (int h = 0; h < all.Length; h++) all[h] = (ushort)h;
        unsafe
        {
            fixed (ushort* p = all)
            {
                for (int i = 0; i < all.Length; i += 8)
                {
                    var v = Fp16.ToSingleFast(System.Runtime.Intrinsics.Vector128.Load(p + i));
                    for (int j = 0; j < 8; j++)
                        Assert.Equal(BitConverter.SingleToUInt32Bits(Fp16.ToSingleComputed(p[i + j])), BitConverter.SingleToUInt32Bits(v[j]));
                }
                if (!CpuIsa.IsSupported(IsaLevel.Avx512)) return;
                for (int i = 0; i < all.Length; i += 16)
                {
                    var v = Fp16.ToSingleFast(System.Runtime.Intrinsics.Vector256.Load(p + i));
                    for (int j = 0; j < 16; j++)
                        Assert.Equal(BitConverter.SingleToUInt32Bits(Fp16.ToSingleComputed(p[i + j])), BitConverter.SingleToUInt32Bits(v[j]));
                }
            }
        }
    }

    [Fact]
    public void FromSingleRoundsToNearestEvenLikeHalf()
    {
        var rng = new Random(7);
        for (int i = 0; i < 400_000; i++)
        {
            // Bias towards the f16 range so rounding, subnormals and overflow are all exercised.
            uint bits = i % 2 == 0 ? (uint)rng.NextInt64(0, 1L << 32) : (uint)rng.Next(0x30000000, 0x48000000) | (uint)(rng.Next(2) << 31);
            float f = BitConverter.UInt32BitsToSingle(bits);
            if (float.IsNaN(f)) continue;
            ushort expected = BitConverter.HalfToUInt16Bits((Half)f);
            Assert.Equal(expected, Fp16.FromSingle(f));
            Assert.Equal(expected, Fp16.FromSingleReference(f));
        }
    }

    [Theory]
    [InlineData(65504f, 0x7BFF)]
    [InlineData(65519.996f, 0x7BFF)]
    [InlineData(65520f, 0x7C00)]
    [InlineData(float.PositiveInfinity, 0x7C00)]
    [InlineData(float.NegativeInfinity, 0xFC00)]
    [InlineData(2.9802322e-8f, 0x0000)] // 2^-25: a tie between 0 and the smallest subnormal, goes to even 0
    [InlineData(2.9802326e-8f, 0x0001)] // just above the tie
    [InlineData(8.940697e-8f, 0x0002)]  // 3·2^-25: tie between 1 and 2 ulps, goes to even 2
    [InlineData(6.1035156e-5f, 0x0400)] // 2^-14, smallest normal
    [InlineData(1.0004883f, 0x3C00)]    // 1 + 2^-11: tie, stays at even 1.0
    [InlineData(1.0014648f, 0x3C02)]    // 1 + 3·2^-11: tie, goes up to even
    [InlineData(-0f, 0x8000)]
    public void FromSingleEdgeCases(float f, int expected) => Assert.Equal((ushort)expected, Fp16.FromSingle(f));

    [Theory]
    [InlineData(0x7FC00000u, 0x7E00)]
    [InlineData(0xFFC00000u, 0xFE00)]
    [InlineData(0x7F800001u, 0x7E00)]   // signalling NaN comes out quiet; low payload bits are dropped
    [InlineData(0x7FA02000u, 0x7F01)]   // top payload bits survive
    public void NaNKeepsTopPayloadBitsAndBecomesQuiet(uint bits, int expected) =>
        Assert.Equal((ushort)expected, Fp16.FromSingle(BitConverter.UInt32BitsToSingle(bits)));

    [Theory]
    [InlineData(0x7FC00000u, 0x7E00)]
    [InlineData(0xFFA02000u, 0xFE00)]
    [InlineData(0x7F800001u, 0x7E00)]
    public void ReferenceNaNDropsPayload(uint bits, int expected) =>
        Assert.Equal((ushort)expected, Fp16.FromSingleReference(BitConverter.UInt32BitsToSingle(bits)));

    [Fact]
    public void EveryTierConvertsRunsLikeScalar()
    {
        var rng = new Random(11);
        const int n = 4099;
        var halves = new ushort[n];
        var floats = new float[n];
        for (int i = 0; i < n; i++)
        {
            halves[i] = (ushort)rng.Next(65536);
            floats[i] = BitConverter.UInt32BitsToSingle(i % 3 == 0 ? (uint)rng.NextInt64(0, 1L << 32) : (uint)rng.Next(0x30000000, 0x48000000) | (uint)(rng.Next(2) << 31));
        }
        foreach (var isa in QuantTestData.SupportedTiers())
        {
            var f = new float[n];
            var h = new ushort[n];
            unsafe
            {
                fixed (ushort* ph = halves) fixed (float* pf = f) Fp16.ToSingle(ph, pf, n, isa);
                fixed (float* pf = floats) fixed (ushort* ph = h) Fp16.FromSingle(pf, ph, n, isa);
            }
            for (int i = 0; i < n; i++)
            {
                Assert.True(BitConverter.SingleToUInt32Bits(Fp16.ToSingle(halves[i])) == BitConverter.SingleToUInt32Bits(f[i]), $"{isa} ToSingle 0x{halves[i]:X4}");
                Assert.True(Fp16.FromSingle(floats[i]) == h[i], $"{isa} FromSingle 0x{BitConverter.SingleToUInt32Bits(floats[i]):X8}");
            }
        }
    }
}
