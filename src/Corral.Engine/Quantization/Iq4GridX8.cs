using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Corral.Engine.Quantization;

/// <summary>
/// <see cref="Iq4Grid"/>'s block scale search on eight blocks at once, one block per Vector256 lane; every lane
/// repeats the scalar operations in the scalar order, so the results are bit-identical.
/// Data is transposed: <c>x[j]</c> holds element j of each of the eight blocks.
/// </summary>
internal static class Iq4GridX8
{
    private static readonly Vector256<float>[] s_values = BuildValues();

    private static Vector256<float>[] BuildValues()
    {
        var v = new Vector256<float>[16];
        for (int k = 0; k < 16; k++) v[k] = Vector256.Create((float)Iq4Grid.Values[k]);
        return v;
    }

    /// <summary>
    /// best_index_int8 per lane, and the grid value it picks. With ml the number of grid values in 1..14 at or
    /// below x, the neighbours are values[ml] and values[ml+1]; the lower wins only when strictly closer, and
    /// the same float comparison also sends x ≤ values[0] to 0 and x ≥ values[15] to 15.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> BestIndex(Vector256<float> x, out Vector256<float> value)
    {
        var v = s_values;
        var lower = v[0];
        var upper = v[1];
        var count = Vector256<int>.Zero;
        for (int k = 1; k < 15; k++)
        {
            var atLeast = Vector256.GreaterThanOrEqual(x, v[k]);
            lower = Vector256.ConditionalSelect(atLeast, v[k], lower);
            upper = Vector256.ConditionalSelect(atLeast, v[k + 1], upper);
            count -= atLeast.AsInt32();
        }
        var takeLower = Vector256.LessThan(x - lower, upper - x);
        value = Vector256.ConditionalSelect(takeLower, lower, upper);
        return count + Vector256<int>.One + takeLower.AsInt32();
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
