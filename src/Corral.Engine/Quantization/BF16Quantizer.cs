using System.Buffers.Binary;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quantization;

/// <summary>F32 → BF16 as ggml_fp32_to_bf16_row_ref converts (round to nearest even, NaN → quiet NaN).</summary>
public static class BF16Quantizer
{
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        ThrowHelpers.CheckBlocks(GgmlType.BF16, source.Length, destination.Length);
        for (int i = 0; i < source.Length; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], FloatBits.SingleToBFloat16(source[i]));
    }
}
