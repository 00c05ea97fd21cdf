using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
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
        if (LegacyBlockX8.IsEnabled)
        {
            QuantizeX8(source, destination, blocks);
            return;
        }
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

    /// <summary>Vector256 path: same formulas, four vectors per block (bit-identical).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void QuantizeX8(ReadOnlySpan<float> source, Span<byte> destination, int blocks)
    {
        var bias = Vector256.Create(16.5f);
        var top = Vector256.Create(31);
        var nibble = Vector256.Create(15);
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var y = destination.Slice(b * BlockBytes, BlockBytes);
            LegacyBlockX8.Load(x, out var v0, out var v1, out var v2, out var v3);
            float max = LegacyBlockX8.SignedAbsMax(x, v0, v1, v2, v3);
            float d = max / -16f;
            float id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(y, FloatBits.SingleToHalf(d));
            var vid = Vector256.Create(id);
            var q0 = Vector256.Min(top, Vector256.ConvertToInt32(v0 * vid + bias));
            var q1 = Vector256.Min(top, Vector256.ConvertToInt32(v1 * vid + bias));
            var q2 = Vector256.Min(top, Vector256.ConvertToInt32(v2 * vid + bias));
            var q3 = Vector256.Min(top, Vector256.ConvertToInt32(v3 * vid + bias));
            BinaryPrimitives.WriteUInt32LittleEndian(y[2..], LegacyBlockX8.HighBits(q0, q1, q2, q3));
            LegacyBlockX8.PackNibbles(q0 & nibble, q1 & nibble, q2 & nibble, q3 & nibble, y[6..]);
        }
    }
}
