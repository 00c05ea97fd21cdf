using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Corral.Engine.Tensors;
using static Corral.Engine.Quantization.KQuantMath;

namespace Corral.Engine.Quantization;

/// <summary>
/// Q2_K reference quantizer (quantize_row_q2_K_ref): 16 groups of 16 get a scale and min from
/// make_qkx2_quants (weights |x|, mean absolute error), both stored as 4 bits against f16 super-scales,
/// then every value is re-picked against the stored scales.
/// Layout (84 bytes): scales[16] (lo nibble scale, hi nibble min), qs[64], d, dmin.
/// </summary>
public static class Q2_KQuantizer
{
    public const int BlockSize = 256;
    public const int BlockBytes = 84;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = ThrowHelpers.CheckBlocks(GgmlType.Q2_K, source.Length, destination.Length);
        Span<byte> levels = stackalloc byte[BlockSize];
        Span<float> weights = stackalloc float[16];
        Span<float> mins = stackalloc float[16];
        Span<float> scales = stackalloc float[16];
        const float q4scale = 15f;

        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var y = destination.Slice(b * BlockBytes, BlockBytes);
            var yScales = y[..16];
            var qs = y.Slice(16, 64);

            if (KQuantSearchX8.IsEnabled) SearchX8(x, scales, mins, levels);
            else SearchScalar(x, scales, mins, levels, weights);
            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < 16; j++)
            {
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }

            ushort dBits, dminBits;
            if (maxScale > 0)
            {
                float iscale = q4scale / maxScale;
                for (int j = 0; j < 16; j++) yScales[j] = (byte)NearestInt(iscale * scales[j]);
                dBits = FloatBits.SingleToHalf(maxScale / q4scale);
            }
            else
            {
                yScales.Clear();
                dBits = FloatBits.SingleToHalf(0f);
            }
            if (maxMin > 0)
            {
                float iscale = q4scale / maxMin;
                for (int j = 0; j < 16; j++) yScales[j] = (byte)(yScales[j] | (NearestInt(iscale * mins[j]) << 4));
                dminBits = FloatBits.SingleToHalf(maxMin / q4scale);
            }
            else
            {
                dminBits = FloatBits.SingleToHalf(0f);
            }
            BinaryPrimitives.WriteUInt16LittleEndian(y[80..], dBits);
            BinaryPrimitives.WriteUInt16LittleEndian(y[82..], dminBits);

            float dStored = FloatBits.HalfToSingle(dBits);
            float dminStored = FloatBits.HalfToSingle(dminBits);
            for (int j = 0; j < 16; j++)
            {
                float d = dStored * (yScales[j] & 0xF);
                if (d == 0) continue;
                float dm = dminStored * (yScales[j] >> 4);
                for (int ii = 0; ii < 16; ii++)
                    levels[16 * j + ii] = (byte)Math.Clamp(NearestInt((x[16 * j + ii] + dm) / d), 0, 3);
            }

            for (int j = 0; j < BlockSize; j += 128)
                for (int l = 0; l < 32; l++)
                    qs[j / 4 + l] = (byte)(levels[j + l] | (levels[j + l + 32] << 2) | (levels[j + l + 64] << 4) | (levels[j + l + 96] << 6));
        }
    }

    /// <summary>Per group of 16: weights |x|, then make_qkx2_quants with mean absolute error.</summary>
    private static void SearchScalar(ReadOnlySpan<float> x, Span<float> scales, Span<float> mins, Span<byte> levels, Span<float> weights)
    {
        for (int j = 0; j < 16; j++)
        {
            var xg = x.Slice(16 * j, 16);
            for (int l = 0; l < 16; l++) weights[l] = MathF.Abs(xg[l]);
            scales[j] = MakeQkx2Quants(3, xg, weights, levels.Slice(16 * j, 16), out mins[j], -0.5f, 0.1f, 15, useMad: true);
        }
    }

    /// <summary>The same search eight groups at a time, one per lane (bit-identical).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SearchX8(ReadOnlySpan<float> x, Span<float> scales, Span<float> mins, Span<byte> levels)
    {
        Span<Vector256<float>> xt = stackalloc Vector256<float>[16];
        Span<Vector256<float>> wt = stackalloc Vector256<float>[16];
        Span<Vector256<int>> lt = stackalloc Vector256<int>[16];
        for (int half = 0; half < 2; half++)
        {
            KQuantSearchX8.Transpose(x[(128 * half)..], 16, xt);
            for (int l = 0; l < 16; l++) wt[l] = Vector256.Abs(xt[l]);
            var s = KQuantSearchX8.MakeQkx2Quants(3, xt, wt, lt, out var m, -0.5f, 0.1f, 15, useMad: true);
            s.CopyTo(scales[(8 * half)..]);
            m.CopyTo(mins[(8 * half)..]);
            KQuantSearchX8.StoreLevels(lt, levels[(128 * half)..], 16);
        }
    }
}
