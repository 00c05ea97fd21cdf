using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
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
        if (LegacyBlockX8.IsEnabled)
        {
            QuantizeX8(source, destination, blocks);
            return;
        }
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

    /// <summary>Vector256 path: same formulas, four vectors per block (bit-identical).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void QuantizeX8(ReadOnlySpan<float> source, Span<byte> destination, int blocks)
    {
        var half = Vector256.Create(0.5f);
        var bytes = Vector256.Create(255);
        var nibble = Vector256.Create(15);
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var y = destination.Slice(b * BlockBytes, BlockBytes);
            LegacyBlockX8.Load(x, out var v0, out var v1, out var v2, out var v3);
            LegacyBlockX8.MinMax(x, v0, v1, v2, v3, out float min, out float max);
            float d = (max - min) / 31f;
            float id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(y, FloatBits.SingleToHalf(d));
            BinaryPrimitives.WriteUInt16LittleEndian(y[2..], FloatBits.SingleToHalf(min));
            var vid = Vector256.Create(id);
            var vmin = Vector256.Create(min);
            // The reference converts to uint8_t; values are in [0, 31] for finite input.
            var q0 = Vector256.ConvertToInt32((v0 - vmin) * vid + half) & bytes;
            var q1 = Vector256.ConvertToInt32((v1 - vmin) * vid + half) & bytes;
            var q2 = Vector256.ConvertToInt32((v2 - vmin) * vid + half) & bytes;
            var q3 = Vector256.ConvertToInt32((v3 - vmin) * vid + half) & bytes;
            BinaryPrimitives.WriteUInt32LittleEndian(y[4..], LegacyBlockX8.HighBits(q0, q1, q2, q3));
            LegacyBlockX8.PackNibbles(q0 & nibble, q1 & nibble, q2 & nibble, q3 & nibble, y[8..]);
        }
    }
}
