using System.Runtime.CompilerServices;

namespace Corral.Engine.Quantization;

/// <summary>
/// The scale searches shared by the K-quant reference quantizers (engine.md §2.5). Every expression keeps
/// C's evaluation order and float (not double) precision, and nothing uses FusedMultiplyAdd: the reference
/// library is built without FMA contraction, and bit-exact files depend on it.
/// </summary>
internal static class KQuantMath
{
    public const float GroupMaxEps = 1e-15f;

    /// <summary>Round to nearest, ties to even, for |f| ≤ 4194303 (adds 1.5·2^23 and reads the mantissa).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int NearestInt(float f)
    {
        float val = f + 12582912f;
        int i = BitConverter.SingleToInt32Bits(val);
        return (i & 0x007fffff) - 0x00400000;
    }

    /// <summary>
    /// make_qx_quants with rmse_type 1 and no importance weights (w = x²), as Q6_K uses it: a symmetric
    /// scale refined over 18 trial inverse scales. Fills <paramref name="levels"/> with values in [0, 2·nmax).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float MakeQxQuantsRmse1(int nmax, ReadOnlySpan<float> x, Span<sbyte> levels)
    {
        int n = x.Length;
        levels = levels[..n];
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++)
        {
            float ax = MathF.Abs(x[i]);
            if (ax > amax) { amax = ax; max = x[i]; }
        }
        if (amax < GroupMaxEps)
        {
            levels.Clear();
            return 0f;
        }

        Span<float> weights = stackalloc float[n];
        for (int i = 0; i < n; i++) weights[i] = x[i] * x[i];

        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++)
        {
            int l = Math.Clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1);
            levels[i] = (sbyte)(l + nmax);
            float w = weights[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;

        Span<sbyte> trial = stackalloc sbyte[n];
        for (int step = -9; step <= 9; step++)
        {
            if (step == 0) continue;
            iscale = -(nmax + 0.1f * step) / max;
            sumlx = 0; suml2 = 0;
            for (int i = 0; i < n; i++)
            {
                int l = Math.Clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1);
                trial[i] = (sbyte)l;
                float w = weights[i];
                sumlx += w * x[i] * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2)
            {
                for (int i = 0; i < n; i++) levels[i] = (sbyte)(trial[i] + nmax);
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /// <summary>
    /// make_q3_quants with do_rmse (Q3_K): a symmetric scale, then up to five coordinate-descent sweeps
    /// with weights x². Fills <paramref name="levels"/> with values in [0, 2·nmax).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float MakeQ3QuantsRmse(int nmax, ReadOnlySpan<float> x, Span<sbyte> levels)
    {
        int n = x.Length;
        levels = levels[..n];
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++)
        {
            float ax = MathF.Abs(x[i]);
            if (ax > amax) { amax = ax; max = x[i]; }
        }
        if (amax < GroupMaxEps)
        {
            levels.Clear();
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++)
        {
            int l = Math.Clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1);
            levels[i] = (sbyte)l;
            float w = x[i] * x[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        for (int sweep = 0; sweep < 5; sweep++)
        {
            int changed = 0;
            for (int i = 0; i < n; i++)
            {
                float w = x[i] * x[i];
                int li = levels[i];
                float slx = sumlx - w * x[i] * li;
                if (slx > 0)
                {
                    float sl2 = suml2 - w * li * li;
                    int newL = Math.Clamp(NearestInt(x[i] * sl2 / slx), -nmax, nmax - 1);
                    if (newL != li)
                    {
                        slx += w * x[i] * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2)
                        {
                            levels[i] = (sbyte)newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) break;
        }
        for (int i = 0; i < n; i++) levels[i] = (sbyte)(levels[i] + nmax);
        return suml2 > 0 ? sumlx / suml2 : 0f;
    }

    /// <summary>
    /// make_qkx2_quants: an asymmetric scale and min (x ≈ scale·L − theMin) fitted by weighted least squares
    /// over nstep+1 trial inverse scales. <paramref name="useMad"/> scores with |error| instead of error².
    /// Note that a better trial also moves <c>min</c>, which every later trial starts from.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float MakeQkx2Quants(int nmax, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, Span<byte> levels,
        out float theMin, float rmin, float rdelta, int nstep, bool useMad)
    {
        int n = x.Length;
        weights = weights[..n];
        levels = levels[..n];
        float min = x[0], max = x[0];
        float sumW = weights[0];
        float sumX = sumW * x[0];
        for (int i = 1; i < n; i++)
        {
            if (x[i] < min) min = x[i];
            if (x[i] > max) max = x[i];
            float w = weights[i];
            sumW += w;
            sumX += w * x[i];
        }
        if (min > 0) min = 0;
        if (max == min)
        {
            levels.Clear();
            theMin = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++)
        {
            int l = Math.Clamp(NearestInt(iscale * (x[i] - min)), 0, nmax);
            levels[i] = (byte)l;
            float diff = scale * l + min - x[i];
            diff = useMad ? MathF.Abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1)
        {
            theMin = -min;
            return scale;
        }

        Span<byte> trial = stackalloc byte[n];
        for (int step = 0; step <= nstep; step++)
        {
            iscale = (rmin + rdelta * step + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++)
            {
                int l = Math.Clamp(NearestInt(iscale * (x[i] - min)), 0, nmax);
                trial[i] = (byte)l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[i];
            }
            float d = sumW * sumL2 - sumL * sumL;
            if (d > 0)
            {
                float thisScale = (sumW * sumXL - sumX * sumL) / d;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / d;
                if (thisMin > 0)
                {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++)
                {
                    float diff = thisScale * trial[i] + thisMin - x[i];
                    diff = useMad ? MathF.Abs(diff) : diff * diff;
                    curError += weights[i] * diff;
                }
                if (curError < bestError)
                {
                    trial.CopyTo(levels);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin = -min;
        return scale;
    }

    /// <summary>get_scale_min_k4: the 6-bit scale and min of sub-block <paramref name="j"/> from a Q4_K/Q5_K scales[12] field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GetScaleMinK4(int j, ReadOnlySpan<byte> q, out byte scale, out byte min)
    {
        if (j < 4)
        {
            scale = (byte)(q[j] & 63);
            min = (byte)(q[j + 4] & 63);
        }
        else
        {
            scale = (byte)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
            min = (byte)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
        }
    }

    /// <summary>Packs eight 6-bit scale/min pairs into the 12-byte Q4_K/Q5_K scales field.</summary>
    public static void PackScaleMinK4(ReadOnlySpan<byte> scales, ReadOnlySpan<byte> mins, Span<byte> packed)
    {
        packed = packed[..12];
        for (int j = 0; j < 8; j++)
        {
            byte ls = scales[j], lm = mins[j];
            if (j < 4)
            {
                packed[j] = ls;
                packed[j + 4] = lm;
            }
            else
            {
                packed[j + 4] = (byte)((ls & 0xF) | ((lm & 0xF) << 4));
                packed[j - 4] |= (byte)((ls >> 4) << 6);
                packed[j] |= (byte)((lm >> 4) << 6);
            }
        }
    }
}
