using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Picks the <see cref="RowDot"/> kernel for a weight type once, by instruction-set tier.</summary>
public static class RowDotKernels
{
    /// <summary>The kernel for <paramref name="weight"/> at the process's tier (<see cref="CpuIsa.Current"/>).</summary>
    public static RowDot For(GgmlType weight) => For(weight, CpuIsa.Current);

    /// <summary>
    /// The kernel for <paramref name="weight"/> at <paramref name="isa"/>, lowered to what the CPU supports; a type without a
    /// kernel at that tier gets its best lower one. Throws <see cref="NotSupportedException"/> for types without any kernel.
    /// </summary>
    public static RowDot For(GgmlType weight, IsaLevel isa)
    {
        if (!CpuIsa.IsSupported(isa)) isa = CpuIsa.Supported;
        var tiers = Tiers(weight) ?? throw new NotSupportedException($"Corral has no dot-product kernel for tensor type {GgmlTypeInfo.Name(weight)}");
        var (scalar, avx2, avx512) = tiers;
        if (isa >= IsaLevel.Avx512 && avx512 != null) return avx512;
        if (isa >= IsaLevel.Avx2 && avx2 != null) return avx2;
        return scalar;
    }

    /// <summary>True when some tier has a kernel for <paramref name="weight"/>.</summary>
    public static bool HasKernel(GgmlType weight) => Tiers(weight) != null;

    private static (RowDot Scalar, RowDot? Avx2, RowDot? Avx512)? Tiers(GgmlType weight) => weight switch
    {
        GgmlType.F32 => (F32DotScalar.Instance, F32DotAvx2.Instance, F32DotAvx512.Instance),
        GgmlType.F16 => (F16DotScalar.Instance, F16DotAvx2.Instance, F16DotAvx512.Instance),
        GgmlType.BF16 => (BF16DotScalar.Instance, BF16DotAvx2.Instance, BF16DotAvx512.Instance),
        GgmlType.Q8_0 => (Q8_0DotScalar.Instance, Q8_0DotAvx2.Instance, Q8_0DotAvx512.Instance),
        _ => null,
    };
}
