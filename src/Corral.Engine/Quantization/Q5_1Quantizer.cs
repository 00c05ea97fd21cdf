using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quantization;

/// <summary>Q5_1 reference quantizer (quantize_row_q5_1_ref): d = (max−min)/31, m = min, q = trunc((x−min)/d + 0.5) (no clamp).</summary>
public static class Q5_1Quantizer
{
    public const int BlockSize = 32;
    public const int BlockBytes = 24;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = ThrowHelpers.CheckBlocks(GgmlType.Q5_1, source.Length, destination.Length);
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var y = destination.Slice(b * BlockBytes, BlockBytes);
            float min = float.MaxValue, max = -float.MaxValue;
            for (int j = 0; j < BlockSize; j++)
            {
                float v = x[j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 31f;
            float id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(y, FloatBits.SingleToHalf(d));
            BinaryPrimitives.WriteUInt16LittleEndian(y[2..], FloatBits.SingleToHalf(min));
            var qs = y[8..];
            uint qh = 0;
            for (int j = 0; j < BlockSize / 2; j++)
            {
                // C converts to uint8_t; values are in [0, 31] for finite input.
                int q0 = (byte)(int)((x[j] - min) * id + 0.5f);
                int q1 = (byte)(int)((x[j + BlockSize / 2] - min) * id + 0.5f);
                qs[j] = (byte)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
                qh |= (uint)((q0 & 0x10) >> 4) << j;
                qh |= (uint)((q1 & 0x10) >> 4) << (j + BlockSize / 2);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(y[4..], qh);
        }
    }
}
