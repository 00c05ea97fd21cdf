using System.Runtime.CompilerServices;
using Corral.Engine.Gguf;
using Corral.Engine.Quants;
using Corral.Engine.Tensors;
using Corral.Testing;

namespace Corral.Engine.Tests.Quants;

public class DequantizeTests
{
    public static TheoryData<string> QuantizedModels =>
        ["Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K_M", "Q4_K_S", "Q4_K_M", "Q5_K_M", "Q6_K", "IQ4_NL"];

    [Fact]
    public void BlockStructsHaveTheFileLayoutSizes()
    {
        Assert.Equal(GgmlTypeInfo.TypeSize(GgmlType.Q4_0), Unsafe.SizeOf<BlockQ4_0>());
        Assert.Equal(GgmlTypeInfo.TypeSize(GgmlType.Q4_1), Unsafe.SizeOf<BlockQ4_1>());
        Assert.Equal(GgmlTypeInfo.TypeSize(GgmlType.Q5_0), Unsafe.SizeOf<BlockQ5_0>());
        Assert.Equal(GgmlTypeInfo.TypeSize(GgmlType.Q5_1), Unsafe.SizeOf<BlockQ5_1>());
        Assert.Equal(GgmlTypeInfo.TypeSize(GgmlType.Q8_0), Unsafe.SizeOf<BlockQ8_0>());
        Assert.Equal(GgmlTypeInfo.TypeSize(GgmlType.Q8_1), Unsafe.SizeOf<BlockQ8_1>());
        Assert.Equal(GgmlTypeInfo.TypeSize(GgmlType.Q2_K), Unsafe.SizeOf<BlockQ2_K>());
        Assert.Equal(GgmlTypeInfo.TypeSize(GgmlType.Q3_K), Unsafe.SizeOf<BlockQ3_K>());
        Assert.Equal(GgmlTypeInfo.TypeSize(GgmlType.Q4_K), Unsafe.SizeOf<BlockQ4_K>());
        Assert.Equal(GgmlTypeInfo.TypeSize(GgmlType.Q5_K), Unsafe.SizeOf<BlockQ5_K>());
        Assert.Equal(GgmlTypeInfo.TypeSize(GgmlType.Q6_K), Unsafe.SizeOf<BlockQ6_K>());
        Assert.Equal(GgmlTypeInfo.TypeSize(GgmlType.Q8_K), Unsafe.SizeOf<BlockQ8_K>());
        Assert.Equal(GgmlTypeInfo.TypeSize(GgmlType.IQ4_NL), Unsafe.SizeOf<BlockIQ4_NL>());
        Assert.Equal(GgmlTypeInfo.TypeSize(GgmlType.IQ4_XS), Unsafe.SizeOf<BlockIQ4_XS>());
    }

    public static TheoryData<GgmlType> DecodableTypes =>
    [
        GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0,
        GgmlType.Q8_1, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q8_K,
        GgmlType.IQ4_NL, GgmlType.IQ4_XS,
    ];

    [Theory]
    [MemberData(nameof(DecodableTypes))]
    public void RandomBlocksDecodeLikeTheSpec(GgmlType type)
    {
        var rng = new Random(40 + (int)type);
        int bs = GgmlTypeInfo.BlockSize(type);
        for (int trial = 0; trial < 8; trial++)
        {
            int n = bs * rng.Next(1, 6);
            byte[] data = type switch
            {
                GgmlType.Q8_0 or GgmlType.Q8_1 or GgmlType.Q8_K => QuantTestData.RandomActivations(type, n, rng),
                _ => QuantTestData.RandomWeights(type, n, rng, 0.2),
            };
            AssertDecodesLikeSpec(type, data, n, $"{type} trial {trial}");
        }
    }

    /// <summary>Every quantized tensor of each llama.cpp-written file decodes bit for bit like the spec decoder.</summary>
    [Theory]
    [MemberData(nameof(QuantizedModels))]
    public void ModelTensorsDecodeLikeTheSpec(string variant)
    {
        using var f = GgufFile.Open(RepoPaths.SharedFile("models", $"llama-tiny-{variant}.gguf"));
        var seen = new HashSet<GgmlType>();
        foreach (var t in f.Tensors)
        {
            Assert.True(Dequantize.CanDecode(t.Type), $"{t.Name} {t.Type}");
            seen.Add(t.Type);
            var data = f.TensorData(t);
            int n = (int)t.Ne0;
            int rowBytes = (int)t.RowBytes;
            // The first, the last and a few rows between: every block position is covered, the suite stays fast.
            foreach (long r in new[] { 0, t.RowCount / 3, t.RowCount / 2, t.RowCount - 1 }.Distinct())
                AssertDecodesLikeSpec(t.Type, data.Slice((int)(r * rowBytes), rowBytes).ToArray(), n, $"{variant} {t.Name} row {r}");
        }
        Assert.Contains(seen, ty => ty != GgmlType.F32);
    }

    /// <summary>
    /// Decoded weights stay within quantization error of the F16 file they were made from. This checks the layout reading
    /// independently of the spec decoder: a swapped nibble or misplaced scale gives errors as large as the weights.
    /// </summary>
    [Theory]
    [MemberData(nameof(QuantizedModels))]
    public void ModelTensorsStayNearTheF16Original(string variant)
    {
        using var q = GgufFile.Open(RepoPaths.SharedFile("models", $"llama-tiny-{variant}.gguf"));
        using var h = GgufFile.Open(RepoPaths.SharedFile("models", "llama-tiny-F16.gguf"));
        int compared = 0;
        foreach (var t in q.Tensors)
        {
            if (t.Type is GgmlType.F32 or GgmlType.F16) continue;
            var reference = h.FindTensor(t.Name)!;
            Assert.Equal(GgmlType.F16, reference.Type);
            var decoded = new float[t.ElementCount];
            var original = new float[t.ElementCount];
            Dequantize.Row(t.Type, q.TensorData(t), decoded);
            Dequantize.Row(GgmlType.F16, h.TensorData(reference), original);
            double err = 0, energy = 0;
            for (int i = 0; i < decoded.Length; i++)
            {
                err += Math.Pow(decoded[i] - original[i], 2);
                energy += Math.Pow(original[i], 2);
            }
            double relative = Math.Sqrt(err / energy);
            Assert.True(relative < MaxRelativeError(t.Type), $"{variant} {t.Name} ({t.Type}): relative RMS error {relative:F4}");
            compared++;
        }
        Assert.True(compared > 0);
    }

    // Bounds about 1.5× the worst tensor of these files (measured: Q8_0 0.005, Q6_K 0.017, Q5_* 0.039, Q4_* and IQ4_NL
    // 0.078, Q3_K 0.16, Q2_K 0.29), far below the ≈1.4 of a misread layout.
    private static double MaxRelativeError(GgmlType type) => type switch
    {
        GgmlType.Q8_0 => 0.008,
        GgmlType.Q6_K => 0.025,
        GgmlType.Q5_0 or GgmlType.Q5_1 or GgmlType.Q5_K => 0.06,
        GgmlType.Q4_0 or GgmlType.Q4_1 or GgmlType.Q4_K or GgmlType.IQ4_NL or GgmlType.IQ4_XS => 0.11,
        GgmlType.Q3_K => 0.24,
        GgmlType.Q2_K => 0.42,
        _ => 0.008,
    };

    [Fact]
    public void RejectsBadArguments()
    {
        Assert.Throws<ArgumentException>(() => Dequantize.Row(GgmlType.Q4_0, new byte[18], new float[31]));
        Assert.Throws<ArgumentException>(() => Dequantize.Row(GgmlType.Q4_0, new byte[17], new float[32]));
        var e = Assert.Throws<NotSupportedException>(() => Dequantize.Row(GgmlType.IQ2_XXS, new byte[66], new float[256]));
        Assert.Contains("IQ2_XXS", e.Message);
    }

    private static void AssertDecodesLikeSpec(GgmlType type, byte[] data, int n, string what)
    {
        var actual = new float[n];
        Dequantize.Row(type, data, actual);
        var expected = SpecDecoder<float>.Decode(type, data, n);
        for (int i = 0; i < n; i++)
        {
            if (BitConverter.SingleToUInt32Bits(expected[i]) != BitConverter.SingleToUInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} decodes to {actual[i]:R}, spec gives {expected[i]:R}");
        }
    }
}
