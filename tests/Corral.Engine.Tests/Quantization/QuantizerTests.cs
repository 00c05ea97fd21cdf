using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using Corral.Engine.Kernels;
using Corral.Engine.Quantization;
using Corral.Engine.Tensors;

namespace Corral.Engine.Tests.Quantization;

/// <summary>Block-level behaviour of the reference quantizers: edge cases the spec pins down, and round-trip accuracy.</summary>
public class QuantizerTests
{
    private static float[] Noise(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            // Roughly normal with occasional outliers, like real weights.
            double u = rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5;
            x[i] = (float)(u * 0.05 * (rng.Next(64) == 0 ? 6 : 1));
        }
        return x;
    }

    private static byte[] Quantize(GgmlType type, float[] x)
    {
        var y = new byte[GgmlTypeInfo.RowSize(type, x.Length)];
        WeightQuantizer.Quantize(type, x, y);
        return y;
    }

    private static double RelativeRmse(float[] x, float[] y)
    {
        double err = 0, norm = 0;
        for (int i = 0; i < x.Length; i++)
        {
            err += (x[i] - y[i]) * (double)(x[i] - y[i]);
            norm += x[i] * (double)x[i];
        }
        return Math.Sqrt(err / norm);
    }

    /// <summary>Upper bounds on relative RMS error for noise; about 1.3× what each type achieves on this data.</summary>
    [Theory]
    [InlineData(GgmlType.F32, 0.0)]
    [InlineData(GgmlType.F16, 0.0003)]
    [InlineData(GgmlType.BF16, 0.0025)]
    [InlineData(GgmlType.Q8_0, 0.01)]
    [InlineData(GgmlType.Q6_K, 0.032)]
    [InlineData(GgmlType.Q5_0, 0.085)]
    [InlineData(GgmlType.Q5_1, 0.06)]
    [InlineData(GgmlType.Q5_K, 0.06)]
    [InlineData(GgmlType.Q4_0, 0.17)]
    [InlineData(GgmlType.Q4_1, 0.125)]
    [InlineData(GgmlType.Q4_K, 0.11)]
    [InlineData(GgmlType.IQ4_NL, 0.13)]
    [InlineData(GgmlType.IQ4_XS, 0.13)]
    [InlineData(GgmlType.Q3_K, 0.26)]
    [InlineData(GgmlType.Q2_K, 0.44)]
    public void RoundTripErrorIsBounded(GgmlType type, double bound)
    {
        var x = Noise(8192, (int)type);
        var y = TestDequantizer.Dequantize(type, Quantize(type, x), x.Length);
        double rmse = RelativeRmse(x, y);
        Assert.True(rmse <= bound, $"{type}: relative RMS error {rmse:G4} exceeds {bound}");
        // Quantizing a dequantized row again must not drift much further (a sanity check of the scale fields).
        var z = TestDequantizer.Dequantize(type, Quantize(type, y), y.Length);
        Assert.True(RelativeRmse(x, z) <= 1.5 * bound + 1e-9);
    }

    [Fact]
    public void ZeroBlocksFollowTheFormulasLiterally()
    {
        var zeros32 = new float[32];
        var zeros256 = new float[256];

        // Q4_0 / Q5_0: d = 0/−8 = −0 stored as 0x8000; every q is the offset (8 / 16, so all qh bits set).
        var q40 = Quantize(GgmlType.Q4_0, zeros32);
        Assert.Equal(0x8000, BinaryPrimitives.ReadUInt16LittleEndian(q40));
        Assert.All(q40[2..], b => Assert.Equal(0x88, b));
        var q50 = Quantize(GgmlType.Q5_0, zeros32);
        Assert.Equal(0x8000, BinaryPrimitives.ReadUInt16LittleEndian(q50));
        Assert.Equal(0xFFFFFFFFu, BinaryPrimitives.ReadUInt32LittleEndian(q50.AsSpan(2)));
        Assert.All(q50[6..], b => Assert.Equal(0, b));

        // IQ4_NL: d = +0 and every index re-picked with id = 0, which lands on grid value 1 (index 8).
        var nl = Quantize(GgmlType.IQ4_NL, zeros32);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(nl));
        Assert.All(nl[2..], b => Assert.Equal(0x88, b));

        // IQ4_XS: d = −0/32 = −0; every block scale l = 0 is stored as 32 (high bits 2 → 0xAAAA).
        var xs = Quantize(GgmlType.IQ4_XS, zeros256);
        Assert.Equal(0x8000, BinaryPrimitives.ReadUInt16LittleEndian(xs));
        Assert.Equal(0xAAAA, BinaryPrimitives.ReadUInt16LittleEndian(xs.AsSpan(2)));
        Assert.All(xs[4..8], b => Assert.Equal(0, b));
        Assert.All(xs[8..], b => Assert.Equal(0x88, b));

        foreach (var type in new[] { GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K })
        {
            var x = GgmlTypeInfo.BlockSize(type) == 32 ? zeros32 : zeros256;
            var y = Quantize(type, x);
            Assert.All(TestDequantizer.Dequantize(type, y, x.Length), v => Assert.Equal(0f, v));
        }
        Assert.All(Quantize(GgmlType.Q6_K, zeros256), b => Assert.Equal(0, b));
    }

    [Fact]
    public void Q8_0RoundsHalvesAwayFromZero()
    {
        var x = new float[32];
        x[0] = 127f; // d = 1 exactly, so x·id is x
        x[1] = 0.5f; x[2] = -0.5f; x[3] = 1.5f; x[4] = 2.5f; x[5] = -2.5f;
        var y = Quantize(GgmlType.Q8_0, x);
        Assert.Equal(0x3C00, BinaryPrimitives.ReadUInt16LittleEndian(y)); // f16(1.0)
        Assert.Equal(new sbyte[] { 127, 1, -1, 2, 3, -3 }, y[2..8].Select(b => (sbyte)b));
    }

    [Fact]
    public void Q4_0TakesTheFirstOfEqualMagnitudes()
    {
        var x = new float[32];
        x[3] = -2f;
        x[9] = 2f; // same |x|, later: max stays −2, so d = 0.25 and the positive value clamps to 15
        var y = Quantize(GgmlType.Q4_0, x);
        Assert.Equal(BitConverter.HalfToUInt16Bits((Half)0.25f), BinaryPrimitives.ReadUInt16LittleEndian(y));
        Assert.Equal(0, y[2 + 3] & 15);   // −2/0.25 + 8.5 → 0
        Assert.Equal(15, y[2 + 9] & 15);  // 2/0.25 + 8.5 = 16.5 → 16 → min(15, 16)
    }

    [Fact]
    public void NearestIntRoundsTiesToEven()
    {
        Assert.Equal(2, KQuantMath.NearestInt(2.5f));
        Assert.Equal(4, KQuantMath.NearestInt(3.5f));
        Assert.Equal(-2, KQuantMath.NearestInt(-2.5f));
        Assert.Equal(-3, KQuantMath.NearestInt(-2.6f));
        Assert.Equal(0, KQuantMath.NearestInt(-0f));
        Assert.Equal(4194303, KQuantMath.NearestInt(4194303f));
    }

    [Fact]
    public void Iq4BestIndexSendsMidpointsUp()
    {
        Assert.Equal(0, Iq4Grid.BestIndex(-1000f));
        Assert.Equal(15, Iq4Grid.BestIndex(113f));
        Assert.Equal(8, Iq4Grid.BestIndex(-4.5f));                         // midpoint of −10 and 1
        Assert.Equal(7, Iq4Grid.BestIndex(MathF.BitDecrement(-4.5f)));     // strictly closer to −10
        Assert.Equal(8, Iq4Grid.BestIndex(0f));
        Assert.Equal(15, Iq4Grid.BestIndex(101f));                         // midpoint of 89 and 113
    }

    /// <summary>The vector grid search (midpoint counting) picks what the scalar reference picks, right at and beside every midpoint.</summary>
    [Fact]
    public void Iq4VectorBestIndexMatchesScalar()
    {
        if (!KQuantSearchX8.IsEnabled) return; // only the scalar path exists there
        var xs = new List<float> { 0f, -0f, 1e-30f, -1e-30f, float.PositiveInfinity, float.NegativeInfinity, -127f, 113f, -1e9f, 1e9f };
        var v = Iq4Grid.Values;
        for (int k = 0; k < 15; k++)
        {
            float m = (v[k] + v[k + 1]) / 2f, x = m;
            for (int i = 0; i < 4; i++) { xs.Add(x); x = MathF.BitDecrement(x); }
            x = m;
            for (int i = 0; i < 4; i++) { x = MathF.BitIncrement(x); xs.Add(x); }
        }
        var rng = new Random(5);
        for (int i = 0; i < 4000; i++) xs.Add((float)(rng.NextDouble() * 300 - 150));
        while (xs.Count % 8 != 0) xs.Add(0f);
        for (int i = 0; i < xs.Count; i += 8)
        {
            var index = Iq4GridX8.BestIndex(Vector256.Create(xs.GetRange(i, 8).ToArray()), out var value);
            for (int lane = 0; lane < 8; lane++)
            {
                int want = Iq4Grid.BestIndex(xs[i + lane]);
                Assert.True(want == index.GetElement(lane), $"x = {xs[i + lane]:R}: scalar {want}, vector {index.GetElement(lane)}");
                Assert.Equal(v[want], value.GetElement(lane));
            }
        }
    }

    [Fact]
    public void FloatBitsMatchGgmlConversions()
    {
        Assert.Equal(0x7E00, FloatBits.SingleToHalf(BitConverter.UInt32BitsToSingle(0x7F800001)));
        Assert.Equal(0xFE00, FloatBits.SingleToHalf(BitConverter.UInt32BitsToSingle(0xFFC12345)));
        Assert.Equal(0x7C00, FloatBits.SingleToHalf(70000f));
        Assert.Equal(0x3C00, FloatBits.SingleToHalf(1.0004883f)); // halfway to the next f16: ties to even
        Assert.Equal(0x3F80, FloatBits.SingleToBFloat16(BitConverter.UInt32BitsToSingle(0x3F808000))); // tie → even
        Assert.Equal(0x3F82, FloatBits.SingleToBFloat16(BitConverter.UInt32BitsToSingle(0x3F818000))); // tie → even (up)
        Assert.Equal(0x7FC1, FloatBits.SingleToBFloat16(BitConverter.UInt32BitsToSingle(0x7F812345)));  // NaN: (bits>>16)|0x40
        for (int h = 0; h < 65536; h += 7)
        {
            float f = FloatBits.HalfToSingle((ushort)h);
            if (!float.IsNaN(f)) Assert.Equal((ushort)h, FloatBits.SingleToHalf(f));
        }
    }

    /// <summary>The vector F16 → F32 widening agrees with the exact table for every one of the 65,536 bit patterns.</summary>
    [Fact]
    public void HalfRowConversionIsExactForEveryValue()
    {
        var halves = new ushort[65536 + 5];
        for (int i = 0; i < halves.Length; i++) halves[i] = (ushort)i;
        var floats = new float[halves.Length];
        FloatBits.HalfToSingle(halves, floats);
        for (int i = 0; i < halves.Length; i++)
        {
            float want = (float)BitConverter.UInt16BitsToHalf(halves[i]);
            if (float.IsNaN(want)) Assert.True(float.IsNaN(floats[i]), $"0x{halves[i]:x4}");
            else Assert.Equal(BitConverter.SingleToUInt32Bits(want), BitConverter.SingleToUInt32Bits(floats[i]));
        }
    }

    [Fact]
    public void RejectsPartialBlocksAndShortDestinations()
    {
        var e1 = Assert.Throws<ArgumentException>(() => Q4_KQuantizer.Quantize(new float[300], new byte[1000]));
        Assert.Contains("Q4_K", e1.Message);
        Assert.Throws<ArgumentException>(() => Q8_0Quantizer.Quantize(new float[64], new byte[67]));
        Assert.Throws<NotSupportedException>(() => WeightQuantizer.Get(GgmlType.IQ2_XXS));
        Assert.False(WeightQuantizer.IsSupported(GgmlType.Q8_K));
        Assert.All(WeightQuantizer.SupportedTypes, t => Assert.True(WeightQuantizer.IsSupported(t)));
    }

    /// <summary>Rows are independent: quantizing a whole tensor or row by row gives the same bytes.</summary>
    [Theory]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.IQ4_XS)]
    [InlineData(GgmlType.Q5_1)]
    public void BlocksAreIndependent(GgmlType type)
    {
        var x = Noise(4 * 512, 7);
        var whole = Quantize(type, x);
        long rowBytes = GgmlTypeInfo.RowSize(type, 512);
        for (int r = 0; r < 4; r++)
            Assert.Equal(whole.AsSpan((int)(r * rowBytes), (int)rowBytes).ToArray(), Quantize(type, x[(r * 512)..((r + 1) * 512)]));
    }

    /// <summary>
    /// Rows mixing awkward blocks (zero, constant, one value, ±ties, outliers, tiny, on-grid) with noise, so that
    /// vector lanes take different branches next to each other.
    /// </summary>
    private static float[] AwkwardRow(int n, int seed)
    {
        var rng = new Random(seed);
        var x = Noise(n, seed);
        for (int b = 0; b < n / 32; b++)
        {
            var block = x.AsSpan(32 * b, 32);
            switch (rng.Next(12))
            {
                case 0: block.Clear(); break;
                case 1: block.Fill(0.0123f); break;
                case 2: block.Clear(); block[rng.Next(32)] = -0.5f; break;
                case 3: block[3] = 0.25f; block[17] = -0.25f; break;
                case 4: block[rng.Next(32)] = 40f; break;
                case 5: for (int i = 0; i < 32; i++) block[i] *= 1e-14f; break;
                case 6: for (int i = 0; i < 32; i++) block[i] = (i % 7 - 3) * 0.01f; break;
                case 7: for (int i = 0; i < 32; i++) block[i] = MathF.Abs(block[i]) + 0.1f; break; // all positive: min > 0
                case 8: for (int i = 0; i < 32; i++) block[i] = i % 3 == 0 ? -0f : 0f; break;        // signed zeros decide m
                case 9: for (int i = 0; i < 32; i++) block[i] = i == 5 ? -0f : MathF.Abs(block[i]); break;
                default: break;
            }
        }
        return x;
    }

    /// <summary>The Vector256 paths (horizontal for 32-blocks, vertical 8-group searches for the rest) must reproduce the scalar reference bit for bit.</summary>
    [Theory]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q4_1)]
    [InlineData(GgmlType.Q5_0)]
    [InlineData(GgmlType.Q5_1)]
    [InlineData(GgmlType.Q2_K)]
    [InlineData(GgmlType.Q3_K)]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q5_K)]
    [InlineData(GgmlType.Q6_K)]
    [InlineData(GgmlType.IQ4_NL)]
    [InlineData(GgmlType.IQ4_XS)]
    public void VectorPathMatchesScalarReference(GgmlType type)
    {
        if (!CpuIsa.IsSupported(IsaLevel.Avx2)) return; // only the scalar path exists there
        for (int seed = 0; seed < 12; seed++)
        {
            // 43 blocks of 32: IQ4_NL ends with a partly filled group of eight.
            var x = AwkwardRow(GgmlTypeInfo.BlockSize(type) == 32 ? 43 * 32 : 16 * 256, seed);
            var vector = Quantize(type, x);
            byte[] scalar;
            using (CpuIsa.Override(IsaLevel.Scalar)) scalar = Quantize(type, x);
            int at = vector.AsSpan().CommonPrefixLength(scalar);
            Assert.True(at == vector.Length, $"{type} seed {seed}: first difference at byte {at} (block {at / GgmlTypeInfo.TypeSize(type)})");
        }
    }
}
