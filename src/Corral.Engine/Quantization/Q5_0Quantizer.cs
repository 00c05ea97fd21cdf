using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quantization;

/// <summary>
/// Q5_0 reference quantizer (quantize_row_q5_0_ref): d = max/−16, q = min(31, trunc(x/d + 16.5)); bit 4 of
/// q[j] goes to qh bit j (and of q[j+16] to bit j+16).
/// </summary>
public static class Q5_0Quantizer
{
    public const int BlockSize = 32;
    public const int BlockBytes = 22;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = ThrowHelpers.CheckBlocks(GgmlType.Q5_0, source.Length, destination.Length);
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var y = destination.Slice(b * BlockBytes, BlockBytes);
            float amax = 0, max = 0;
            for (int j = 0; j < BlockSize; j++)
            {
                float v = x[j];
                if (amax < MathF.Abs(v)) { amax = MathF.Abs(v); max = v; }
            }
            float d = max / -16f;
            float id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(y, FloatBits.SingleToHalf(d));
            var qs = y[6..];
            uint qh = 0;
            for (int j = 0; j < BlockSize / 2; j++)
            {
                int q0 = Math.Min(31, (int)(sbyte)(int)(x[j] * id + 16.5f));
                int q1 = Math.Min(31, (int)(sbyte)(int)(x[j + BlockSize / 2] * id + 16.5f));
                qs[j] = (byte)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
                qh |= (uint)((q0 & 0x10) >> 4) << j;
                qh |= (uint)((q1 & 0x10) >> 4) << (j + BlockSize / 2);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(y[2..], qh);
        }
    }
}
