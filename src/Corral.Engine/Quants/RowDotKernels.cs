using System.Collections.Frozen;
using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Picks the <see cref="RowDot"/> kernel for a weight type once, by instruction-set tier.</summary>
public static class RowDotKernels
{
    /// <summary>The kernel for <paramref name="weight"/> at the process's tier (<see cref="CpuIsa.Current"/>).</summary>
    public static RowDot For(GgmlType weight) => For(weight, CpuIsa.Current);

    /// <summary>
    /// The fastest kernel for <paramref name="weight"/> within <paramref name="isa"/> (lowered to what the CPU supports).
    /// All kernels of a type give identical results, so the choice only changes speed.
    /// Throws <see cref="NotSupportedException"/> for types without a kernel.
    /// </summary>
    public static RowDot For(GgmlType weight, IsaLevel isa)
    {
        if (!CpuIsa.IsSupported(isa)) isa = CpuIsa.Supported;
        foreach (var k in Candidates(weight))
            if (k.Isa <= isa && k.IsSupported) return k;
        throw new NotSupportedException($"Corral has no dot-product kernel for tensor type {GgmlTypeInfo.Name(weight)}");
    }

    /// <summary>True when <paramref name="weight"/> has kernels.</summary>
    public static bool HasKernel(GgmlType weight) => Candidates(weight).Length > 0;

    /// <summary>
    /// Every kernel this CPU runs for <paramref name="weight"/>, including those <see cref="For(GgmlType, IsaLevel)"/> passes
    /// over (plain AVX2 where AVX-VNNI exists, say): the tests hold each of them to the scalar result.
    /// </summary>
    public static IReadOnlyList<RowDot> All(GgmlType weight) => Candidates(weight).Where(k => k.IsSupported).ToArray();

    // Fastest first, as measured on an AVX-512 + AVX-VNNI Xeon (bench/Corral.Bench/Kernels): for the 32-block formats
    // AVX-VNNI (vpdpbusd on ymm), then plain AVX2 — .NET 10 exposes no 512-bit VNNI, and the 512-bit
    // vpmaddubsw/vpmaddwd pair with abs/sign emulated by compare+blend ran slower than AVX2. For the K-quants the 512-bit
    // kernels win only where they save shuffles (Q6_K, IQ4_XS); Q2_K..Q5_K run faster in ymm. The AVX-512 kernels of the
    // other types stay available (and tested) through All().
    private static RowDot[] Candidates(GgmlType weight) => s_candidates.TryGetValue(weight, out var kernels) ? kernels : [];

    // Built once: callers on the hot path (attention, per-token dispatch) ask per call.
    private static readonly FrozenDictionary<GgmlType, RowDot[]> s_candidates =
        Enum.GetValues<GgmlType>().Distinct().ToFrozenDictionary(t => t, Build);

    private static RowDot[] Build(GgmlType weight) => weight switch
    {
        GgmlType.F32 => [F32DotAvx512.Instance, F32DotAvx2.Instance, F32DotScalar.Instance],
        GgmlType.F16 => [F16DotAvx512.Instance, F16DotAvx2.Instance, F16DotScalar.Instance],
        GgmlType.BF16 => [BF16DotAvx512.Instance, BF16DotAvx2.Instance, BF16DotScalar.Instance],
        GgmlType.Q8_0 => [Q8_0DotAvxVnni.Instance, Q8_0DotAvx2.Instance, Q8_0DotAvx512.Instance, Q8_0DotScalar.Instance],
        GgmlType.Q4_0 => [Q4_0DotAvxVnni.Instance, Q4_0DotAvx2.Instance, Q4_0DotAvx512.Instance, Q4_0DotScalar.Instance],
        GgmlType.Q5_0 => [Q5_0DotAvxVnni.Instance, Q5_0DotAvx2.Instance, Q5_0DotAvx512.Instance, Q5_0DotScalar.Instance],
        GgmlType.IQ4_NL => [IQ4_NLDotAvxVnni.Instance, IQ4_NLDotAvx2.Instance, IQ4_NLDotAvx512.Instance, IQ4_NLDotScalar.Instance],
        GgmlType.Q4_1 => [Q4_1DotAvxVnni.Instance, Q4_1DotAvx2.Instance, Q4_1DotAvx512.Instance, Q4_1DotScalar.Instance],
        GgmlType.Q5_1 => [Q5_1DotAvxVnni.Instance, Q5_1DotAvx2.Instance, Q5_1DotAvx512.Instance, Q5_1DotScalar.Instance],
        GgmlType.Q2_K => [Q2_KDotAvx2.Instance, Q2_KDotAvx512.Instance, Q2_KDotScalar.Instance],
        GgmlType.Q3_K => [Q3_KDotAvx2.Instance, Q3_KDotAvx512.Instance, Q3_KDotScalar.Instance],
        GgmlType.Q4_K => [Q4_KDotAvx2.Instance, Q4_KDotAvx512.Instance, Q4_KDotScalar.Instance],
        GgmlType.Q5_K => [Q5_KDotAvx2.Instance, Q5_KDotAvx512.Instance, Q5_KDotScalar.Instance],
        GgmlType.Q6_K => [Q6_KDotAvx512.Instance, Q6_KDotAvx2.Instance, Q6_KDotScalar.Instance],
        GgmlType.IQ4_XS => [IQ4_XSDotAvx512.Instance, IQ4_XSDotAvx2.Instance, IQ4_XSDotScalar.Instance],
        _ => [],
    };
}
