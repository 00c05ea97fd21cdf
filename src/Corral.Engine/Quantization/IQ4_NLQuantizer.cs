using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quantization;

/// <summary>
/// IQ4_NL quantizer as llama-quantize runs it without an importance matrix (quantize_iq4_nl): per block of
/// 32, the scale search of <see cref="Iq4Grid"/>, f16(d) stored, and every index re-picked with the
/// unrounded d. Layout (18 bytes): d, qs[16].
/// </summary>
public static class IQ4_NLQuantizer
{
    public const int BlockSize = 32;
    public const int BlockBytes = 18;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = ThrowHelpers.CheckBlocks(GgmlType.IQ4_NL, source.Length, destination.Length);
        Span<byte> levels = stackalloc byte[BlockSize];
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var y = destination.Slice(b * BlockBytes, BlockBytes);
            float d = Iq4Grid.FindBlockScale(x, levels);
            BinaryPrimitives.WriteUInt16LittleEndian(y, FloatBits.SingleToHalf(d));
            Iq4Grid.PickIndices(x, d != 0 ? 1 / d : 0f, levels);
            Iq4Grid.PackNibbles(levels, y[2..]);
        }
    }
}
