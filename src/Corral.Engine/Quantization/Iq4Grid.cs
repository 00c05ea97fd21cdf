using System.Runtime.CompilerServices;

namespace Corral.Engine.Quantization;

/// <summary>
/// The non-linear 16-level grid shared by IQ4_NL and IQ4_XS, and the per-32-block scale search of
/// quantize_row_iq4_nl_impl without an importance matrix (weights x², 7 trial scales each side).
/// </summary>
internal static class Iq4Grid
{
    public static ReadOnlySpan<sbyte> Values => [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    /// <summary>Trial inverse scales on each side of the first guess.</summary>
    public const int TrialSteps = 7;

    /// <summary>
    /// best_index_int8: the grid index nearest to <paramref name="x"/>; ends clamp, and the lower neighbour
    /// wins only when strictly closer (an exact midpoint goes up).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BestIndex(float x)
    {
        var values = Values;
        if (x <= values[0]) return 0;
        if (x >= values[15]) return 15;
        int lo = 0, hi = 15;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) / 2;
            if (x < values[mid]) hi = mid; else lo = mid;
        }
        return x - values[hi - 1] < values[hi] - x ? hi - 1 : hi;
    }

    /// <summary>
    /// Finds the least-squares scale of one block of 32 (0 for a block whose largest magnitude is below
    /// 1e−15) and fills <paramref name="levels"/> with the indices of the first guess (zeros for such a block).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float FindBlockScale(ReadOnlySpan<float> x, Span<byte> levels)
    {
        const int n = 32;
        x = x[..n];
        levels = levels[..n];
        var values = Values;
        Span<float> weights = stackalloc float[n];
        float amax = 0, max = 0;
        for (int j = 0; j < n; j++)
        {
            weights[j] = x[j] * x[j];
            float ax = MathF.Abs(x[j]);
            if (ax > amax) { amax = ax; max = x[j]; }
        }
        if (amax < KQuantMath.GroupMaxEps)
        {
            levels.Clear();
            return 0f;
        }
        float d = -max / values[0];
        float id = 1 / d;
        float sumqx = 0, sumq2 = 0;
        for (int j = 0; j < n; j++)
        {
            int l = BestIndex(id * x[j]);
            levels[j] = (byte)l;
            float q = values[l];
            float w = weights[j];
            sumqx += w * q * x[j];
            sumq2 += w * q * q;
        }
        d = sumq2 > 0 ? sumqx / sumq2 : 0f;
        float best = d * sumqx;
        for (int step = -TrialSteps; step <= TrialSteps; step++)
        {
            id = (step + values[0]) / max;
            sumqx = 0; sumq2 = 0;
            for (int j = 0; j < n; j++)
            {
                int l = BestIndex(id * x[j]);
                float q = values[l];
                float w = weights[j];
                sumqx += w * q * x[j];
                sumq2 += w * q * q;
            }
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2)
            {
                d = sumqx / sumq2;
                best = d * sumqx;
            }
        }
        return d;
    }

    /// <summary>Re-picks every index of a block against the inverse scale <paramref name="id"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PickIndices(ReadOnlySpan<float> x, float id, Span<byte> levels)
    {
        for (int j = 0; j < x.Length; j++) levels[j] = (byte)BestIndex(id * x[j]);
    }

    /// <summary>Packs 32 indices as in Q4_0: element j in the low nibble and j+16 in the high nibble of byte j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackNibbles(ReadOnlySpan<byte> levels, Span<byte> qs)
    {
        for (int j = 0; j < 16; j++) qs[j] = (byte)(levels[j] | (levels[16 + j] << 4));
    }
}
