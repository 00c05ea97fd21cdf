using System.Buffers.Binary;
using Corral.Engine.Kernels;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;

namespace Corral.Engine.Tests.Quants;

/// <summary>Random rows for kernel tests: random quant bytes, scales that are mostly ordinary and sometimes edge values.</summary>
internal static class QuantTestData
{
    /// <summary>f16 scales that stress conversions: ±0, smallest and largest subnormals, smallest normal, ±1, ±65504.</summary>
    public static readonly ushort[] EdgeHalves = [0x0000, 0x8000, 0x0001, 0x03FF, 0x0400, 0x3C00, 0xBC00, 0x7BFF, 0xFBFF];

    public static IsaLevel[] SupportedTiers() =>
        Enum.GetValues<IsaLevel>().Where(CpuIsa.IsSupported).ToArray();

    public static ushort RandomScale(Random rng, double edgeChance)
    {
        if (rng.NextDouble() < edgeChance) return EdgeHalves[rng.Next(EdgeHalves.Length)];
        float v = MathF.Pow(2, -14 + 12 * rng.NextSingle()) * (rng.Next(2) == 0 ? 1 : -1);
        return BitConverter.HalfToUInt16Bits((Half)v);
    }

    /// <summary>A random row of <paramref name="n"/> weights: random quant bytes, scale fields from <see cref="RandomScale"/>.</summary>
    public static byte[] RandomWeights(GgmlType type, int n, Random rng, double edgeChance = 0.1)
    {
        var bytes = new byte[GgmlTypeInfo.RowSize(type, n)];
        rng.NextBytes(bytes);
        int ts = GgmlTypeInfo.TypeSize(type);
        switch (type)
        {
            case GgmlType.F32:
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), RandomFloat(rng));
                return bytes;
            case GgmlType.F16:
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), RandomScale(rng, edgeChance));
                return bytes;
            case GgmlType.BF16:
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), (ushort)(BitConverter.SingleToUInt32Bits(RandomFloat(rng)) >> 16));
                return bytes;
        }
        int[] halfFields = type switch
        {
            GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q8_0 or GgmlType.IQ4_NL or GgmlType.IQ4_XS => [0],
            GgmlType.Q4_1 or GgmlType.Q5_1 or GgmlType.Q4_K or GgmlType.Q5_K => [0, 2],
            GgmlType.Q2_K => [80, 82],
            GgmlType.Q3_K => [108],
            GgmlType.Q6_K => [208],
            _ => throw new NotSupportedException(type.ToString()),
        };
        for (int at = 0; at < bytes.Length; at += ts)
            foreach (int f in halfFields) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at + f), RandomScale(rng, edgeChance));
        return bytes;
    }

    /// <summary>Activations as <see cref="ActivationQuantizer"/> would make them from a random f32 row.</summary>
    public static byte[] QuantizedActivations(GgmlType vecDotType, int n, Random rng)
    {
        var x = RandomFloats(n, rng);
        var a = new byte[ActivationQuantizer.RowSize(vecDotType, n)];
        ActivationQuantizer.QuantizeRow(vecDotType, x, a, IsaLevel.Scalar);
        return a;
    }

    /// <summary>Raw random activation blocks within the quantizers' range (int8 in [−127, 127], consistent bsums).</summary>
    public static byte[] RandomActivations(GgmlType vecDotType, int n, Random rng)
    {
        if (vecDotType is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16) return RandomWeights(vecDotType, n, rng, 0.02);
        var bytes = new byte[GgmlTypeInfo.RowSize(vecDotType, n)];
        int ts = GgmlTypeInfo.TypeSize(vecDotType);
        for (int at = 0; at < bytes.Length; at += ts)
        {
            var blk = bytes.AsSpan(at, ts);
            int qsAt = vecDotType switch { GgmlType.Q8_0 => 2, GgmlType.Q8_1 => 4, _ => 4 };
            int count = vecDotType == GgmlType.Q8_K ? 256 : 32;
            int limit = rng.Next(4) == 0 ? 127 : rng.Next(1, 128);
            for (int j = 0; j < count; j++) blk[qsAt + j] = (byte)(sbyte)rng.Next(-limit, limit + 1);
            switch (vecDotType)
            {
                case GgmlType.Q8_0:
                    BinaryPrimitives.WriteUInt16LittleEndian(blk, RandomScale(rng, 0.05));
                    break;
                case GgmlType.Q8_1:
                    BinaryPrimitives.WriteUInt16LittleEndian(blk, RandomScale(rng, 0.05));
                    BinaryPrimitives.WriteUInt16LittleEndian(blk[2..], RandomScale(rng, 0.05));
                    break;
                case GgmlType.Q8_K:
                    BinaryPrimitives.WriteSingleLittleEndian(blk, rng.Next(8) == 0 ? 0f : RandomFloat(rng) / 127f);
                    for (int g = 0; g < 16; g++)
                    {
                        int sum = 0;
                        for (int l = 0; l < 16; l++) sum += (sbyte)blk[4 + 16 * g + l];
                        BinaryPrimitives.WriteInt16LittleEndian(blk[(260 + 2 * g)..], (short)sum);
                    }
                    break;
                default:
                    throw new NotSupportedException(vecDotType.ToString());
            }
        }
        return bytes;
    }

    /// <summary>Mostly Gaussian-like values of varying scale, with some zeros and outliers.</summary>
    public static float RandomFloat(Random rng)
    {
        int kind = rng.Next(20);
        if (kind == 0) return 0f;
        float g = (rng.NextSingle() + rng.NextSingle() + rng.NextSingle() - 1.5f) * 2f;
        return kind == 1 ? g * 50f : g;
    }

    public static float[] RandomFloats(int n, Random rng)
    {
        var x = new float[n];
        float scale = MathF.Pow(2, rng.Next(-8, 6));
        for (int i = 0; i < n; i++) x[i] = RandomFloat(rng) * scale;
        return x;
    }
}
