using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corral.Engine.Quantization;

/// <summary>
/// <see cref="Iq4Grid"/>'s block scale search on eight blocks at once, one block per Vector256 lane; every lane
/// repeats the scalar operations in the scalar order, so the results are bit-identical.
/// Data is transposed: <c>x[j]</c> holds element j of each of the eight blocks.
/// </summary>
internal static class Iq4GridX8
{
    private static readonly Vector256<float>[] s_values = BuildValues();
    private static readonly Vector256<float>[] s_midpointSums = BuildMidpointSums();
    private static readonly Vector256<float> s_lowValues = Vector256.Create(s_values[0][0], s_values[1][0], s_values[2][0], s_values[3][0],
        s_values[4][0], s_values[5][0], s_values[6][0], s_values[7][0]);
    private static readonly Vector256<float> s_highValues = Vector256.Create(s_values[8][0], s_values[9][0], s_values[10][0], s_values[11][0],
        s_values[12][0], s_values[13][0], s_values[14][0], s_values[15][0]);

    private static Vector256<float>[] BuildValues()
    {
        var v = new Vector256<float>[16];
        for (int k = 0; k < 16; k++) v[k] = Vector256.Create((float)Iq4Grid.Values[k]);
        return v;
    }

    private static Vector256<float>[] BuildMidpointSums()
    {
        var v = new Vector256<float>[15];
        for (int k = 0; k < 15; k++) v[k] = Vector256.Create((float)(Iq4Grid.Values[k] + Iq4Grid.Values[k + 1]));
        return v;
    }

    /// <summary>
    /// best_index_int8 per lane, and the grid value it picks: the number of neighbour midpoints at or below x,
    /// counted as <c>x + x ≥ values[k] + values[k+1]</c> (exact: doubling and integer sums). This equals the
    /// reference's <c>x − lower &lt; upper − x</c> test: wherever the two sides are close enough for rounding to
    /// matter, |x| ≥ 4.5 and both differences are below 16, so they are computed exactly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> BestIndex(Vector256<float> x, out Vector256<float> value)
    {
        var sums = s_midpointSums;
        var twice = x + x;
        var index = Vector256<int>.Zero;
        for (int k = 0; k < 15; k++) index -= Vector256.GreaterThanOrEqual(twice, sums[k]).AsInt32();
        // vpermps reads the low three index bits, so one index serves both halves of the 16-entry table.
        var high = Vector256.GreaterThan(index, Vector256.Create(7)).AsSingle();
        value = Vector256.ConditionalSelect(high, Avx2.PermuteVar8x32(s_highValues, index), Avx2.PermuteVar8x32(s_lowValues, index));
        return index;
    }

    /// <summary><see cref="Iq4Grid.FindBlockScale"/> for eight blocks of 32; <paramref name="levels"/> gets the first-guess indices.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector256<float> FindBlockScale(ReadOnlySpan<Vector256<float>> x, Span<Vector256<int>> levels)
    {
        const int n = 32;
        x = x[..n];
        levels = levels[..n];
        var zero = Vector256<float>.Zero;
        Span<Vector256<float>> weights = stackalloc Vector256<float>[n];
        var amax = zero;
        var max = zero;
        for (int j = 0; j < n; j++)
        {
            weights[j] = x[j] * x[j];
            var ax = Vector256.Abs(x[j]);
            var larger = Vector256.GreaterThan(ax, amax);
            amax = Vector256.ConditionalSelect(larger, ax, amax);
            max = Vector256.ConditionalSelect(larger, x[j], max);
        }
        var negligible = Vector256.LessThan(amax, Vector256.Create(KQuantMath.GroupMaxEps));

        var d = -max / s_values[0];
        var id = Vector256<float>.One / d;
        var sumqx = zero;
        var sumq2 = zero;
        for (int j = 0; j < n; j++)
        {
            levels[j] = BestIndex(id * x[j], out var q);
            var w = weights[j];
            sumqx += w * q * x[j];
            sumq2 += w * q * q;
        }
        d = Vector256.ConditionalSelect(Vector256.GreaterThan(sumq2, zero), sumqx / sumq2, zero);
        var best = d * sumqx;
        for (int step = -Iq4Grid.TrialSteps; step <= Iq4Grid.TrialSteps; step++)
        {
            id = Vector256.Create((float)(step + Iq4Grid.Values[0])) / max;
            sumqx = zero;
            sumq2 = zero;
            for (int j = 0; j < n; j++)
            {
                BestIndex(id * x[j], out var q);
                var w = weights[j];
                sumqx += w * q * x[j];
                sumq2 += w * q * q;
            }
            var better = Vector256.GreaterThan(sumq2, zero) & Vector256.GreaterThan(sumqx * sumqx, best * sumq2);
            var newD = sumqx / sumq2;
            d = Vector256.ConditionalSelect(better, newD, d);
            best = Vector256.ConditionalSelect(better, newD * sumqx, best);
        }

        if (Vector256.ExtractMostSignificantBits(negligible) != 0)
        {
            var negligibleI = negligible.AsInt32();
            for (int j = 0; j < n; j++) levels[j] = Vector256.ConditionalSelect(negligibleI, Vector256<int>.Zero, levels[j]);
            d = Vector256.ConditionalSelect(negligible, zero, d);
        }
        return d;
    }

    /// <summary>Re-picks every index of eight blocks, each lane against its own inverse scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PickIndices(ReadOnlySpan<Vector256<float>> x, Vector256<float> id, Span<Vector256<int>> levels)
    {
        for (int j = 0; j < x.Length; j++) levels[j] = BestIndex(id * x[j], out _);
    }

    /// <summary>Packs lane <paramref name="lane"/>'s 32 indices as in Q4_0 (j low nibble, j+16 high nibble).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackNibbles(ReadOnlySpan<Vector256<int>> levels, int lane, Span<byte> qs)
    {
        for (int j = 0; j < 16; j++) qs[j] = (byte)(levels[j].GetElement(lane) | (levels[16 + j].GetElement(lane) << 4));
    }
}
