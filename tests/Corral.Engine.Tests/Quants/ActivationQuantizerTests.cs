using System.Buffers.Binary;
using Corral.Engine.Kernels;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;

namespace Corral.Engine.Tests.Quants;

public class ActivationQuantizerTests
{
    public static TheoryData<GgmlType> ActivationTypes => [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q8_1, GgmlType.Q8_K];

    private static byte[] Quantize(GgmlType type, float[] x, IsaLevel isa)
    {
        var dst = new byte[ActivationQuantizer.RowSize(type, x.Length)];
        ActivationQuantizer.QuantizeRow(type, x, dst, isa);
        return dst;
    }

    [Theory]
    [MemberData(nameof(ActivationTypes))]
    public void EveryTierWritesTheSameBytes(GgmlType type)
    {
        var rng = new Random(100 + (int)type);
        int bs = GgmlTypeInfo.BlockSize(type) == 1 ? 32 : GgmlTypeInfo.BlockSize(type);
        for (int trial = 0; trial < 60; trial++)
        {
            int n = bs * rng.Next(1, 9) + (GgmlTypeInfo.BlockSize(type) == 1 ? rng.Next(32) : 0);
            var x = QuantTestData.RandomFloats(n, rng);
            // Ties: values that land exactly on .5 after scaling by 127/amax = 1.
            if (trial % 5 == 0) for (int i = 0; i < n; i++) x[i] = i % 32 == 0 ? 127f : rng.Next(-254, 255) / 2f;
            // Non-finite and extreme inputs must still agree across tiers.
            if (trial % 7 == 3) { x[rng.Next(n)] = float.NaN; x[rng.Next(n)] = float.PositiveInfinity; x[rng.Next(n)] = 1e-40f; x[rng.Next(n)] = -3e38f; }
            if (trial % 11 == 4) Array.Clear(x, 0, Math.Min(n, 2 * bs));
            var expected = Quantize(type, x, IsaLevel.Scalar);
            foreach (var isa in QuantTestData.SupportedTiers())
                Assert.True(expected.AsSpan().SequenceEqual(Quantize(type, x, isa)), $"{type} {isa} n={n} trial={trial}");
        }
    }

    [Fact]
    public void Q8_0UsesTiesToEvenAnd127OverAmax()
    {
        var x = new float[32];
        float[] head = [127f, 2.5f, 3.5f, -2.5f, -0.5f, 0.5f, 1.5f, -127f];
        head.CopyTo(x, 0);
        foreach (var isa in QuantTestData.SupportedTiers())
        {
            var q = Quantize(GgmlType.Q8_0, x, isa);
            Assert.Equal(0x3C00, BinaryPrimitives.ReadUInt16LittleEndian(q)); // f16(127/127)
            Assert.Equal(new sbyte[] { 127, 2, 4, -2, 0, 0, 2, -127 }, q.AsSpan(2, 8).ToArray().Select(b => (sbyte)b));
        }

        // Find an amax where 127/amax and 1/(amax/127) round a value differently; the runtime rule is the former.
        var rng = new Random(3);
        for (int found = 0, tries = 0; found < 20 && tries < 1_000_000; tries++)
        {
            float amax = 1f + rng.NextSingle() * 100f;
            float v = amax * rng.Next(1, 254) / 254f;
            float viaId = v * (127f / amax), viaD = v * (1f / (amax / 127f));
            if (MathF.Round(viaId) == MathF.Round(viaD)) continue;
            found++;
            x.AsSpan().Clear();
            x[0] = amax;
            x[1] = v;
            foreach (var isa in QuantTestData.SupportedTiers())
                Assert.Equal((sbyte)MathF.Round(viaId, MidpointRounding.ToEven), (sbyte)Quantize(GgmlType.Q8_0, x, isa)[3]);
        }
    }

    [Theory]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q8_1)]
    [InlineData(GgmlType.Q8_K)]
    public void AllZeroBlockIsAllZero(GgmlType type)
    {
        var x = new float[GgmlTypeInfo.BlockSize(type) * 2];
        x[^1] = 1f; // the second block is not zero, so a zero block next to data is covered
        foreach (var isa in QuantTestData.SupportedTiers())
        {
            var q = Quantize(type, x, isa);
            int ts = GgmlTypeInfo.TypeSize(type);
            Assert.All(q.AsSpan(0, ts).ToArray(), b => Assert.Equal(0, b));
            var decoded = SpecDecoder<float>.Decode(type, q, x.Length);
            Assert.All(decoded, v => Assert.True(float.IsFinite(v)));
        }
    }

    [Fact]
    public void Q8_1StoresScaledSum()
    {
        var rng = new Random(9);
        var x = QuantTestData.RandomFloats(32 * 8, rng);
        foreach (var isa in QuantTestData.SupportedTiers())
        {
            var q = Quantize(GgmlType.Q8_1, x, isa);
            for (int b = 0; b < 8; b++)
            {
                var blk = q.AsSpan(36 * b, 36);
                float amax = x.Skip(32 * b).Take(32).Max(MathF.Abs);
                int sum = 0;
                for (int j = 0; j < 32; j++) sum += (sbyte)blk[4 + j];
                Assert.Equal(BitConverter.HalfToUInt16Bits((Half)(amax / 127f)), BinaryPrimitives.ReadUInt16LittleEndian(blk));
                Assert.Equal(BitConverter.HalfToUInt16Bits((Half)(amax / 127f * sum)), BinaryPrimitives.ReadUInt16LittleEndian(blk[2..]));
            }
        }
    }

    [Theory]
    [InlineData(127f, -127f)]
    [InlineData(-127f, 127f)]
    public void Q8_KTakesTheSignOfTheFirstLargestMagnitude(float first, float second)
    {
        var x = new float[256];
        x[10] = first;
        x[200] = second;
        x[50] = 2.5f;
        foreach (var isa in QuantTestData.SupportedTiers())
        {
            var q = Quantize(GgmlType.Q8_K, x, isa);
            float d = BinaryPrimitives.ReadSingleLittleEndian(q);
            Assert.Equal(1f / (-127f / first), d);
            Assert.True(first > 0 ? d < 0 : d > 0);
            // iscale = −127/max maps the first largest value to −127 whatever its sign, the opposite one to +127.
            Assert.Equal(-127, (sbyte)q[4 + 10]);
            Assert.Equal(127, (sbyte)q[4 + 200]);
            Assert.Equal(first > 0 ? -2 : 2, (sbyte)q[4 + 50]); // ∓2.5 rounds to even
            for (int g = 0; g < 16; g++)
            {
                int sum = 0;
                for (int l = 0; l < 16; l++) sum += (sbyte)q[4 + 16 * g + l];
                Assert.Equal(sum, BinaryPrimitives.ReadInt16LittleEndian(q.AsSpan(260 + 2 * g)));
            }
        }
    }

    [Fact]
    public void F16AndBf16RoundToNearestEven()
    {
        var rng = new Random(21);
        var x = QuantTestData.RandomFloats(333, rng);
        foreach (var isa in QuantTestData.SupportedTiers())
        {
            var h = Quantize(GgmlType.F16, x, isa);
            var b = Quantize(GgmlType.BF16, x, isa);
            for (int i = 0; i < x.Length; i++)
            {
                Assert.Equal(BitConverter.HalfToUInt16Bits((Half)x[i]), BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(2 * i)));
                uint bits = BitConverter.SingleToUInt32Bits(x[i]);
                Assert.Equal((ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16), BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(2 * i)));
            }
        }
    }

    [Fact]
    public void RejectsBadArguments()
    {
        Assert.Throws<ArgumentException>(() => ActivationQuantizer.QuantizeRow(GgmlType.Q4_K, new float[256], new byte[1000]));
        Assert.Throws<ArgumentException>(() => ActivationQuantizer.QuantizeRow(GgmlType.Q8_0, new float[33], new byte[1000]));
        Assert.Throws<ArgumentException>(() => ActivationQuantizer.QuantizeRow(GgmlType.Q8_0, new float[64], new byte[67]));
    }
}
