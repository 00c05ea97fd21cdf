using Corral.Engine.Kernels;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quants;

/// <summary>Decodes rows of any supported tensor type to f32 exactly as llama.cpp's <c>dequantize_row_*</c> (engine.md §2.3).</summary>
public static unsafe class Dequantize
{
    /// <summary>True when <see cref="Row"/> can decode <paramref name="type"/>.</summary>
    public static bool CanDecode(GgmlType type) => type switch
    {
        GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 or
        GgmlType.Q4_0 or GgmlType.Q4_1 or GgmlType.Q5_0 or GgmlType.Q5_1 or GgmlType.Q8_0 or GgmlType.Q8_1 or
        GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K or GgmlType.Q8_K or
        GgmlType.IQ4_NL or GgmlType.IQ4_XS => true,
        _ => false,
    };

    /// <summary>
    /// Decodes <c>dst.Length</c> elements (a multiple of the type's block size) from the start of <paramref name="src"/>.
    /// </summary>
    public static void Row(GgmlType type, ReadOnlySpan<byte> src, Span<float> dst)
    {
        if (!CanDecode(type)) ThrowHelpers.NoDequantizer(type);
        int n = dst.Length;
        int blockSize = GgmlTypeInfo.BlockSize(type);
        if (n % blockSize != 0) ThrowHelpers.NotBlockMultiple(type, n);
        long bytes = GgmlTypeInfo.RowSize(type, n);
        if (src.Length < bytes) ThrowHelpers.SourceTooShort(type, n, src.Length);
        fixed (byte* s = src)
        fixed (float* d = dst)
            Row(type, s, d, n);
    }

    /// <summary>Unchecked form of <see cref="Row(GgmlType, ReadOnlySpan{byte}, Span{float})"/>: <paramref name="n"/> must be a multiple of the block size.</summary>
    internal static void Row(GgmlType type, byte* src, float* dst, int n)
    {
        int blocks = n / GgmlTypeInfo.BlockSize(type);
        switch (type)
        {
            case GgmlType.F32: Buffer.MemoryCopy(src, dst, (long)n * 4, (long)n * 4); break;
            case GgmlType.F16: Fp16.ToSingle((ushort*)src, dst, n, CpuIsa.Current); break;
            case GgmlType.BF16: Bf16.ToSingle((ushort*)src, dst, n, CpuIsa.Current); break;
            case GgmlType.Q4_0: BlockQ4_0.Dequantize((BlockQ4_0*)src, dst, blocks); break;
            case GgmlType.Q4_1: BlockQ4_1.Dequantize((BlockQ4_1*)src, dst, blocks); break;
            case GgmlType.Q5_0: BlockQ5_0.Dequantize((BlockQ5_0*)src, dst, blocks); break;
            case GgmlType.Q5_1: BlockQ5_1.Dequantize((BlockQ5_1*)src, dst, blocks); break;
            case GgmlType.Q8_0: BlockQ8_0.Dequantize((BlockQ8_0*)src, dst, blocks); break;
            case GgmlType.Q8_1: BlockQ8_1.Dequantize((BlockQ8_1*)src, dst, blocks); break;
            case GgmlType.Q2_K: BlockQ2_K.Dequantize((BlockQ2_K*)src, dst, blocks); break;
            case GgmlType.Q3_K: BlockQ3_K.Dequantize((BlockQ3_K*)src, dst, blocks); break;
            case GgmlType.Q4_K: BlockQ4_K.Dequantize((BlockQ4_K*)src, dst, blocks); break;
            case GgmlType.Q5_K: BlockQ5_K.Dequantize((BlockQ5_K*)src, dst, blocks); break;
            case GgmlType.Q6_K: BlockQ6_K.Dequantize((BlockQ6_K*)src, dst, blocks); break;
            case GgmlType.Q8_K: BlockQ8_K.Dequantize((BlockQ8_K*)src, dst, blocks); break;
            case GgmlType.IQ4_NL: BlockIQ4_NL.Dequantize((BlockIQ4_NL*)src, dst, blocks); break;
            case GgmlType.IQ4_XS: BlockIQ4_XS.Dequantize((BlockIQ4_XS*)src, dst, blocks); break;
            default: ThrowHelpers.NoDequantizer(type); break;
        }
    }
}
