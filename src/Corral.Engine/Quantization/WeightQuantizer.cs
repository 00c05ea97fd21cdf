using Corral.Engine.Tensors;

namespace Corral.Engine.Quantization;

/// <summary>Quantizes F32 values (whole blocks) into <paramref name="destination"/> in the given type's block layout.</summary>
public delegate void QuantizeRow(ReadOnlySpan<float> source, Span<byte> destination);

/// <summary>
/// Picks the reference quantizer for an output type. Every quantizer is a pure function of its input
/// block, so rows can be quantized in any order and on any thread with identical bytes.
/// </summary>
public static class WeightQuantizer
{
    /// <summary>The tensor types this build can write.</summary>
    public static IReadOnlyList<GgmlType> SupportedTypes { get; } =
    [
        GgmlType.F32, GgmlType.F16, GgmlType.BF16,
        GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0,
        GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
        GgmlType.IQ4_NL, GgmlType.IQ4_XS,
    ];

    public static bool IsSupported(GgmlType type) => TryGet(type, out _);

    /// <summary>The quantizer for <paramref name="type"/>, or false when this build cannot write it.</summary>
    public static bool TryGet(GgmlType type, out QuantizeRow quantizer)
    {
        QuantizeRow? q = type switch
        {
            GgmlType.F32 => F32Quantizer.Quantize,
            GgmlType.F16 => F16Quantizer.Quantize,
            GgmlType.BF16 => BF16Quantizer.Quantize,
            GgmlType.Q4_0 => Q4_0Quantizer.Quantize,
            GgmlType.Q4_1 => Q4_1Quantizer.Quantize,
            GgmlType.Q5_0 => Q5_0Quantizer.Quantize,
            GgmlType.Q5_1 => Q5_1Quantizer.Quantize,
            GgmlType.Q8_0 => Q8_0Quantizer.Quantize,
            GgmlType.Q2_K => Q2_KQuantizer.Quantize,
            GgmlType.Q3_K => Q3_KQuantizer.Quantize,
            GgmlType.Q4_K => Q4_KQuantizer.Quantize,
            GgmlType.Q5_K => Q5_KQuantizer.Quantize,
            GgmlType.Q6_K => Q6_KQuantizer.Quantize,
            GgmlType.IQ4_NL => IQ4_NLQuantizer.Quantize,
            GgmlType.IQ4_XS => IQ4_XSQuantizer.Quantize,
            _ => null,
        };
        quantizer = q!;
        return q != null;
    }

    /// <summary>The quantizer for <paramref name="type"/>; throws <see cref="NotSupportedException"/> for types this build cannot write.</summary>
    public static QuantizeRow Get(GgmlType type) =>
        TryGet(type, out var q) ? q : throw new NotSupportedException($"quantizing to {GgmlTypeInfo.Name(type)} is not supported");

    /// <summary>Quantizes whole blocks of <paramref name="source"/> to <paramref name="type"/>.</summary>
    public static void Quantize(GgmlType type, ReadOnlySpan<float> source, Span<byte> destination) => Get(type)(source, destination);
}
