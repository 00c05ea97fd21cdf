using System.Runtime.InteropServices;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quantization;

/// <summary>F32 output: the values' little-endian bytes, unchanged.</summary>
public static class F32Quantizer
{
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        ThrowHelpers.CheckBlocks(GgmlType.F32, source.Length, destination.Length);
        MemoryMarshal.AsBytes(source).CopyTo(destination);
    }
}
