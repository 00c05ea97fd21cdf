using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quantization;

/// <summary>Q4_1 reference quantizer (quantize_row_q4_1_ref): d = (max−min)/15, m = min, q = min(15, trunc((x−min)/d + 0.5)).</summary>
public static class Q4_1Quantizer
{
    public const int BlockSize = 32;
    public const int BlockBytes = 20;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = ThrowHelpers.CheckBlocks(GgmlType.Q4_1, source.Length, destination.Length);
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
            float d = (max - min) / 15f;
            float id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(y, FloatBits.SingleToHalf(d));
            BinaryPrimitives.WriteUInt16LittleEndian(y[2..], FloatBits.SingleToHalf(min));
            var qs = y[4..];
            for (int j = 0; j < BlockSize / 2; j++)
            {
                int q0 = Math.Min(15, (int)(sbyte)(int)((x[j] - min) * id + 0.5f));
                int q1 = Math.Min(15, (int)(sbyte)(int)((x[j + BlockSize / 2] - min) * id + 0.5f));
                qs[j] = (byte)(q0 | (q1 << 4));
            }
        }
    }

    /// <summary>Vector256 path: same formulas, four vectors per block (bit-identical).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void QuantizeX8(ReadOnlySpan<float> source, Span<byte> destination, int blocks)
    {
        var half = Vector256.Create(0.5f);
        var top = Vector256.Create(15);
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var y = destination.Slice(b * BlockBytes, BlockBytes);
            LegacyBlockX8.Load(x, out var v0, out var v1, out var v2, out var v3);
            LegacyBlockX8.MinMax(x, v0, v1, v2, v3, out float min, out float max);
            float d = (max - min) / 15f;
            float id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(y, FloatBits.SingleToHalf(d));
            BinaryPrimitives.WriteUInt16LittleEndian(y[2..], FloatBits.SingleToHalf(min));
            var vid = Vector256.Create(id);
            var vmin = Vector256.Create(min);
            LegacyBlockX8.PackNibbles(
                Vector256.Min(top, Vector256.ConvertToInt32((v0 - vmin) * vid + half)), Vector256.Min(top, Vector256.ConvertToInt32((v1 - vmin) * vid + half)),
                Vector256.Min(top, Vector256.ConvertToInt32((v2 - vmin) * vid + half)), Vector256.Min(top, Vector256.ConvertToInt32((v3 - vmin) * vid + half)),
                y[4..]);
        }
    }
}
