using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
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
        if (KQuantSearchX8.IsEnabled)
        {
            QuantizeX8(source, destination, blocks);
            return;
        }
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

    /// <summary>
    /// Eight consecutive blocks at a time, one per lane (bit-identical to the scalar loop). A last group of
    /// fewer than eight runs with zero-filled spare lanes, whose results are dropped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void QuantizeX8(ReadOnlySpan<float> source, Span<byte> destination, int blocks)
    {
        Span<Vector256<float>> xt = stackalloc Vector256<float>[BlockSize];
        Span<Vector256<int>> lt = stackalloc Vector256<int>[BlockSize];
        Span<float> padded = stackalloc float[8 * BlockSize];
        for (int b = 0; b < blocks; b += 8)
        {
            int count = Math.Min(8, blocks - b);
            var x = source.Slice(b * BlockSize, count * BlockSize);
            if (count < 8)
            {
                padded.Clear();
                x.CopyTo(padded);
                KQuantSearchX8.Transpose(padded, BlockSize, xt);
            }
            else
            {
                KQuantSearchX8.Transpose(x, BlockSize, xt);
            }
            var d = Iq4GridX8.FindBlockScale(xt, lt);
            var id = Vector256.ConditionalSelect(Vector256.Equals(d, Vector256<float>.Zero), Vector256<float>.Zero, Vector256<float>.One / d);
            Iq4GridX8.PickIndices(xt, id, lt);
            for (int k = 0; k < count; k++)
            {
                var block = destination.Slice((b + k) * BlockBytes, BlockBytes);
                BinaryPrimitives.WriteUInt16LittleEndian(block, FloatBits.SingleToHalf(d.GetElement(k)));
                Iq4GridX8.PackNibbles(lt, k, block[2..]);
            }
        }
    }
}
