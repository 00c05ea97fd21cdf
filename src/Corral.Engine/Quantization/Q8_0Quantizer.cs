using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quantization;

/// <summary>Q8_0 reference quantizer (quantize_row_q8_0_ref): d = amax/127, q = roundf(x/d) (ties away from zero).</summary>
public static class Q8_0Quantizer
{
    public const int BlockSize = 32;
    public const int BlockBytes = 34;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = ThrowHelpers.CheckBlocks(GgmlType.Q8_0, source.Length, destination.Length);
        if (LegacyBlockX8.IsEnabled)
        {
            QuantizeX8(source, destination, blocks);
            return;
        }
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var y = destination.Slice(b * BlockBytes, BlockBytes);
            float amax = 0;
            for (int j = 0; j < BlockSize; j++)
            {
                float a = MathF.Abs(x[j]);
                amax = amax > a ? amax : a;
            }
            float d = amax / 127;
            float id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(y, FloatBits.SingleToHalf(d));
            var qs = y[2..];
            for (int j = 0; j < BlockSize; j++)
                qs[j] = (byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
        }
    }

    /// <summary>Vector256 path: same formulas, four vectors per block (bit-identical).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void QuantizeX8(ReadOnlySpan<float> source, Span<byte> destination, int blocks)
    {
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var y = destination.Slice(b * BlockBytes, BlockBytes);
            LegacyBlockX8.Load(x, out var v0, out var v1, out var v2, out var v3);
            float d = LegacyBlockX8.AbsMax(v0, v1, v2, v3) / 127;
            float id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(y, FloatBits.SingleToHalf(d));
            var vid = Vector256.Create(id);
            var lo = Vector256.Narrow(LegacyBlockX8.RoundHalfAwayFromZero(v0 * vid), LegacyBlockX8.RoundHalfAwayFromZero(v1 * vid));
            var hi = Vector256.Narrow(LegacyBlockX8.RoundHalfAwayFromZero(v2 * vid), LegacyBlockX8.RoundHalfAwayFromZero(v3 * vid));
            Vector256.Narrow(lo, hi).AsByte().CopyTo(y[2..]);
        }
    }
}
