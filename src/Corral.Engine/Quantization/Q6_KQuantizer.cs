using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Corral.Engine.Tensors;
using static Corral.Engine.Quantization.KQuantMath;

namespace Corral.Engine.Quantization;

/// <summary>
/// Q6_K reference quantizer (quantize_row_q6_K_ref): 16 groups of 16 get a symmetric scale from
/// make_qx_quants (rmse 1), stored as int8 against one f16 super-scale; values are re-picked in [−32, 31].
/// Layout (210 bytes): ql[128], qh[64], scales[16] (int8), d.
/// </summary>
public static class Q6_KQuantizer
{
    public const int BlockSize = 256;
    public const int BlockBytes = 210;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = ThrowHelpers.CheckBlocks(GgmlType.Q6_K, source.Length, destination.Length);
        Span<sbyte> levels = stackalloc sbyte[BlockSize];
        Span<float> scales = stackalloc float[16];

        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var y = destination.Slice(b * BlockBytes, BlockBytes);
            var ql = y[..128];
            var qh = y.Slice(128, 64);
            var yScales = y.Slice(192, 16);

            if (KQuantSearchX8.IsEnabled) SearchX8(x, scales, levels);
            else SearchScalar(x, scales, levels);
            float maxScale = 0, maxAbsScale = 0;
            for (int ib = 0; ib < 16; ib++)
            {
                float absScale = MathF.Abs(scales[ib]);
                if (absScale > maxAbsScale) { maxAbsScale = absScale; maxScale = scales[ib]; }
            }

            if (maxAbsScale < GroupMaxEps)
            {
                y.Clear();
                BinaryPrimitives.WriteUInt16LittleEndian(y[208..], FloatBits.SingleToHalf(0f));
                continue;
            }

            float iscale = -128f / maxScale;
            ushort dBits = FloatBits.SingleToHalf(1 / iscale);
            BinaryPrimitives.WriteUInt16LittleEndian(y[208..], dBits);
            for (int ib = 0; ib < 16; ib++)
                yScales[ib] = (byte)(sbyte)Math.Min(127, NearestInt(iscale * scales[ib]));

            float dStored = FloatBits.HalfToSingle(dBits);
            for (int j = 0; j < 16; j++)
            {
                float d = dStored * (sbyte)yScales[j];
                if (d == 0) continue;
                for (int ii = 0; ii < 16; ii++)
                    levels[16 * j + ii] = (sbyte)(Math.Clamp(NearestInt(x[16 * j + ii] / d), -32, 31) + 32);
            }

            for (int j = 0, qlo = 0, qho = 0; j < BlockSize; j += 128, qlo += 64, qho += 32)
            {
                for (int l = 0; l < 32; l++)
                {
                    int q1 = levels[j + l] & 0xF;
                    int q2 = levels[j + l + 32] & 0xF;
                    int q3 = levels[j + l + 64] & 0xF;
                    int q4 = levels[j + l + 96] & 0xF;
                    ql[qlo + l] = (byte)(q1 | (q3 << 4));
                    ql[qlo + l + 32] = (byte)(q2 | (q4 << 4));
                    qh[qho + l] = (byte)((levels[j + l] >> 4) | ((levels[j + l + 32] >> 4) << 2)
                        | ((levels[j + l + 64] >> 4) << 4) | ((levels[j + l + 96] >> 4) << 6));
                }
            }
        }
    }

    /// <summary>Per group of 16: make_qx_quants with rmse_type 1.</summary>
    private static void SearchScalar(ReadOnlySpan<float> x, Span<float> scales, Span<sbyte> levels)
    {
        for (int ib = 0; ib < 16; ib++)
            scales[ib] = MakeQxQuantsRmse1(32, x.Slice(16 * ib, 16), levels.Slice(16 * ib, 16));
    }

    /// <summary>The same search eight groups at a time, one per lane (bit-identical).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SearchX8(ReadOnlySpan<float> x, Span<float> scales, Span<sbyte> levels)
    {
        Span<Vector256<float>> xt = stackalloc Vector256<float>[16];
        Span<Vector256<int>> lt = stackalloc Vector256<int>[16];
        var bytes = MemoryMarshal.Cast<sbyte, byte>(levels);
        for (int half = 0; half < 2; half++)
        {
            KQuantSearchX8.Transpose(x[(128 * half)..], 16, xt);
            KQuantSearchX8.MakeQxQuantsRmse1(32, xt, lt).CopyTo(scales[(8 * half)..]);
            KQuantSearchX8.StoreLevels(lt, bytes[(128 * half)..], 16);
        }
    }
}
