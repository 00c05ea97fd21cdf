using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Corral.Engine.Tensors;

namespace Corral.Engine.Quantization;

/// <summary>
/// Q4_0 reference quantizer (quantize_row_q4_0_ref): d = max/−8 where max is the signed value of largest
/// magnitude (first wins), q = min(15, trunc(x/d + 8.5)). An all-zero block stores d = −0.
/// </summary>
public static class Q4_0Quantizer
{
    public const int BlockSize = 32;
    public const int BlockBytes = 18;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = ThrowHelpers.CheckBlocks(GgmlType.Q4_0, source.Length, destination.Length);
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
            float d = max / -8f;
            float id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(y, FloatBits.SingleToHalf(d));
            var qs = y[2..];
            for (int j = 0; j < BlockSize / 2; j++)
            {
                int q0 = Math.Min(15, (int)(sbyte)(int)(x[j] * id + 8.5f));
                int q1 = Math.Min(15, (int)(sbyte)(int)(x[j + BlockSize / 2] * id + 8.5f));
                qs[j] = (byte)(q0 | (q1 << 4));
            }
        }
    }

    /// <summary>Vector256 path: same formulas, four vectors per block (bit-identical).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void QuantizeX8(ReadOnlySpan<float> source, Span<byte> destination, int blocks)
    {
        var bias = Vector256.Create(8.5f);
        var top = Vector256.Create(15);
        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var y = destination.Slice(b * BlockBytes, BlockBytes);
            LegacyBlockX8.Load(x, out var v0, out var v1, out var v2, out var v3);
            float max = LegacyBlockX8.SignedAbsMax(x, v0, v1, v2, v3);
            float d = max / -8f;
            float id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(y, FloatBits.SingleToHalf(d));
            var vid = Vector256.Create(id);
            LegacyBlockX8.PackNibbles(
                Vector256.Min(top, Vector256.ConvertToInt32(v0 * vid + bias)), Vector256.Min(top, Vector256.ConvertToInt32(v1 * vid + bias)),
                Vector256.Min(top, Vector256.ConvertToInt32(v2 * vid + bias)), Vector256.Min(top, Vector256.ConvertToInt32(v3 * vid + bias)),
                y[2..]);
        }
    }
}
