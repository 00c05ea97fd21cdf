using System.Buffers.Binary;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quantization;

/// <summary>F32 → F16 as ggml's base library converts (round to nearest even, NaN → sign|0x7E00).</summary>
public static class F16Quantizer
{
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        ThrowHelpers.CheckBlocks(GgmlType.F16, source.Length, destination.Length);
        for (int i = 0; i < source.Length; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], FloatBits.SingleToHalf(source[i]));
    }
}
