using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Which format activations take for a dot product with each weight type (llama.cpp's <c>vec_dot_type</c>, engine.md §3.1).</summary>
public static class VecDot
{
    /// <summary>The activation type for <paramref name="weight"/>; throws <see cref="NotSupportedException"/> for types llama.cpp has no CPU dot product for.</summary>
    public static GgmlType TypeFor(GgmlType weight) => weight switch
    {
        GgmlType.F32 => GgmlType.F32,
        GgmlType.F16 => GgmlType.F16,
        GgmlType.BF16 => GgmlType.BF16,
        GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q8_0 or GgmlType.IQ4_NL => GgmlType.Q8_0,
        GgmlType.Q4_1 or GgmlType.Q5_1 => GgmlType.Q8_1,
        GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K or GgmlType.IQ4_XS => GgmlType.Q8_K,
        _ => throw new NotSupportedException($"Corral has no dot-product kernel for tensor type {GgmlTypeInfo.Name(weight)}"),
    };
}
