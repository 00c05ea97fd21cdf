using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Corral.Engine.Tensors;
using static Corral.Engine.Quantization.KQuantMath;

namespace Corral.Engine.Quantization;

/// <summary>
/// Q5_K reference quantizer (quantize_row_q5_K_ref): as Q4_K with 5-bit values (make_qkx2_quants with
/// nmax 31, rmin −0.5, 15 steps); the fifth bit of each value goes to qh.
/// Layout (176 bytes): d, dmin, scales[12], qh[32], qs[128].
/// </summary>
public static class Q5_KQuantizer
{
    public const int BlockSize = 256;
    public const int BlockBytes = 176;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(ReadOnlySpan<float> source, Span<byte> destination)
    {
        int blocks = ThrowHelpers.CheckBlocks(GgmlType.Q5_K, source.Length, destination.Length);
        Span<byte> levels = stackalloc byte[BlockSize];
        Span<float> weights = stackalloc float[32];
        Span<float> mins = stackalloc float[8];
        Span<float> scales = stackalloc float[8];
        Span<byte> ls = stackalloc byte[8];
        Span<byte> lm = stackalloc byte[8];

        for (int b = 0; b < blocks; b++)
        {
            var x = source.Slice(b * BlockSize, BlockSize);
            var y = destination.Slice(b * BlockBytes, BlockBytes);
            var yScales = y.Slice(4, 12);
            var qh = y.Slice(16, 32);
            var ql = y.Slice(48, 128);

            if (KQuantSearchX8.IsEnabled) SearchX8(x, scales, mins, levels);
            else SearchScalar(x, scales, mins, levels, weights);
            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < 8; j++)
            {
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }

            float invScale = maxScale > 0 ? 63f / maxScale : 0f;
            float invMin = maxMin > 0 ? 63f / maxMin : 0f;
            for (int j = 0; j < 8; j++)
            {
                ls[j] = Math.Min((byte)63, (byte)NearestInt(invScale * scales[j]));
                lm[j] = Math.Min((byte)63, (byte)NearestInt(invMin * mins[j]));
            }
            PackScaleMinK4(ls, lm, yScales);
            ushort dBits = FloatBits.SingleToHalf(maxScale / 63f);
            ushort dminBits = FloatBits.SingleToHalf(maxMin / 63f);
            BinaryPrimitives.WriteUInt16LittleEndian(y, dBits);
            BinaryPrimitives.WriteUInt16LittleEndian(y[2..], dminBits);

            float dStored = FloatBits.HalfToSingle(dBits);
            float dminStored = FloatBits.HalfToSingle(dminBits);
            for (int j = 0; j < 8; j++)
            {
                GetScaleMinK4(j, yScales, out byte sc, out byte m);
                float d = dStored * sc;
                if (d == 0) continue;
                float dm = dminStored * m;
                for (int ii = 0; ii < 32; ii++)
                    levels[32 * j + ii] = (byte)Math.Clamp(NearestInt((x[32 * j + ii] + dm) / d), 0, 31);
            }

            qh.Clear();
            byte m1 = 1, m2 = 2;
            for (int n = 0, q = 0; n < BlockSize; n += 64, q += 32)
            {
                for (int j = 0; j < 32; j++)
                {
                    int l1 = levels[n + j];
                    if (l1 > 15) { l1 -= 16; qh[j] |= m1; }
                    int l2 = levels[n + j + 32];
                    if (l2 > 15) { l2 -= 16; qh[j] |= m2; }
                    ql[q + j] = (byte)(l1 | (l2 << 4));
                }
                m1 <<= 2;
                m2 <<= 2;
            }
        }
    }

    /// <summary>Per group of 32: weights rms(x)+|x|, then make_qkx2_quants.</summary>
    private static void SearchScalar(ReadOnlySpan<float> x, Span<float> scales, Span<float> mins, Span<byte> levels, Span<float> weights)
    {
        for (int j = 0; j < 8; j++)
        {
            var xg = x.Slice(32 * j, 32);
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += xg[l] * xg[l];
            float avX = MathF.Sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + MathF.Abs(xg[l]);
            scales[j] = MakeQkx2Quants(31, xg, weights, levels.Slice(32 * j, 32), out mins[j], -0.5f, 0.1f, 15, useMad: false);
        }
    }

    /// <summary>The same search for all eight groups at once, one per lane (bit-identical).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SearchX8(ReadOnlySpan<float> x, Span<float> scales, Span<float> mins, Span<byte> levels)
    {
        Span<Vector256<float>> xt = stackalloc Vector256<float>[32];
        Span<Vector256<float>> wt = stackalloc Vector256<float>[32];
        Span<Vector256<int>> lt = stackalloc Vector256<int>[32];
        KQuantSearchX8.Transpose(x, 32, xt);
        var sumX2 = Vector256<float>.Zero;
        for (int l = 0; l < 32; l++) sumX2 += xt[l] * xt[l];
        var avX = Vector256.Sqrt(sumX2 / Vector256.Create(32f));
        for (int l = 0; l < 32; l++) wt[l] = avX + Vector256.Abs(xt[l]);
        var s = KQuantSearchX8.MakeQkx2Quants(31, xt, wt, lt, out var m, -0.5f, 0.1f, 15, useMad: false);
        s.CopyTo(scales);
        m.CopyTo(mins);
        KQuantSearchX8.StoreLevels(lt, levels, 32);
    }
}
