using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>
/// Converts an f32 activation row to a weight type's vec_dot type (<see cref="VecDot.TypeFor"/>) the way llama.cpp's
/// x86 CPU backend does before every matrix product (engine.md §3.1). Every instruction-set path writes the same bytes.
/// </summary>
public static unsafe class ActivationQuantizer
{
    /// <summary>Bytes one row of <paramref name="n"/> activations occupies in <paramref name="vecDotType"/>.</summary>
    public static int RowSize(GgmlType vecDotType, int n)
    {
        EnsureActivationType(vecDotType);
        return checked((int)GgmlTypeInfo.RowSize(vecDotType, n));
    }

    /// <summary>Quantizes <paramref name="x"/> into <paramref name="dst"/> with the process's kernel tier (<see cref="CpuIsa.Current"/>).</summary>
    public static void QuantizeRow(GgmlType vecDotType, ReadOnlySpan<float> x, Span<byte> dst) =>
        QuantizeRow(vecDotType, x, dst, CpuIsa.Current);

    /// <summary>Quantizes with a given tier (lowered to what the CPU supports); for tests and benchmarks.</summary>
    public static void QuantizeRow(GgmlType vecDotType, ReadOnlySpan<float> x, Span<byte> dst, IsaLevel isa)
    {
        EnsureActivationType(vecDotType);
        int n = x.Length;
        if (n % GgmlTypeInfo.BlockSize(vecDotType) != 0) ThrowHelpers.NotBlockMultiple(vecDotType, n);
        if (dst.Length < GgmlTypeInfo.RowSize(vecDotType, n)) ThrowHelpers.DestinationTooShort(nameof(dst));
        if (!CpuIsa.IsSupported(isa)) isa = CpuIsa.Supported;
        fixed (float* px = x)
        fixed (byte* pd = dst)
            QuantizeRow(vecDotType, px, pd, n, isa);
    }

    /// <summary>Unchecked form: <paramref name="n"/> is a multiple of the block size and <paramref name="isa"/> is supported.</summary>
    internal static void QuantizeRow(GgmlType vecDotType, float* x, byte* dst, int n, IsaLevel isa)
    {
        switch (vecDotType)
        {
            case GgmlType.F32:
                Buffer.MemoryCopy(x, dst, (long)n * 4, (long)n * 4);
                break;
            case GgmlType.F16:
                Fp16.FromSingle(x, (ushort*)dst, n, isa);
                break;
            case GgmlType.BF16:
                Bf16.FromSingle(x, (ushort*)dst, n, isa);
                break;
            case GgmlType.Q8_0:
                if (isa == IsaLevel.Avx512) Q8_0ActivationQuantizer.QuantizeAvx512(x, (BlockQ8_0*)dst, n / 32);
                else if (isa == IsaLevel.Avx2) Q8_0ActivationQuantizer.QuantizeAvx2(x, (BlockQ8_0*)dst, n / 32);
                else Q8_0ActivationQuantizer.QuantizeScalar(x, (BlockQ8_0*)dst, n / 32);
                break;
            case GgmlType.Q8_1:
                if (isa == IsaLevel.Avx512) Q8_1ActivationQuantizer.QuantizeAvx512(x, (BlockQ8_1*)dst, n / 32);
                else if (isa == IsaLevel.Avx2) Q8_1ActivationQuantizer.QuantizeAvx2(x, (BlockQ8_1*)dst, n / 32);
                else Q8_1ActivationQuantizer.QuantizeScalar(x, (BlockQ8_1*)dst, n / 32);
                break;
            case GgmlType.Q8_K:
                if (isa == IsaLevel.Avx512) Q8_KActivationQuantizer.QuantizeAvx512(x, (BlockQ8_K*)dst, n / 256);
                else if (isa == IsaLevel.Avx2) Q8_KActivationQuantizer.QuantizeAvx2(x, (BlockQ8_K*)dst, n / 256);
                else Q8_KActivationQuantizer.QuantizeScalar(x, (BlockQ8_K*)dst, n / 256);
                break;
            default:
                ThrowHelpers.NotAnActivationType(vecDotType);
                break;
        }
    }

    private static void EnsureActivationType(GgmlType type)
    {
        if (type is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 or GgmlType.Q8_0 or GgmlType.Q8_1 or GgmlType.Q8_K))
            ThrowHelpers.NotAnActivationType(type);
    }
}
