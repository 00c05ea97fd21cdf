using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Corral.Engine.Kernels;

namespace Corral.Engine.Quantization;

/// <summary>
/// The K-quant scale searches of <see cref="KQuantMath"/> run on eight independent groups at once, one group
/// per Vector256 lane ("vertical" SIMD). Each lane performs exactly the scalar operation sequence — same
/// IEEE operations in the same order, sums accumulated element by element — so results are bit-identical
/// to the scalar reference; the speed comes from eight dependency chains advancing together instead of one.
/// Data is passed transposed: <c>x[i]</c> holds element i of each of the eight groups.
/// </summary>
internal static class KQuantSearchX8
{
    /// <summary>True when the vertical path should be used (AVX2 hardware, not lowered by CORRAL_ISA).</summary>
    public static bool IsEnabled => CpuIsa.Current >= IsaLevel.Avx2 && Avx2.IsSupported && Vector256.IsHardwareAccelerated;

    /// <summary>Loads <c>n</c> elements of eight groups that start <paramref name="stride"/> floats apart, transposed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose(ReadOnlySpan<float> source, int stride, Span<Vector256<float>> destination)
    {
        int n = destination.Length;
        if (source.Length < 7 * stride + n) ThrowHelpers.DestinationTooShort(7 * stride + n, source.Length);
        ref float s = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        for (int i = 0; i < n; i++)
        {
            destination[i] = Vector256.Create(
                Unsafe.Add(ref s, i), Unsafe.Add(ref s, stride + i), Unsafe.Add(ref s, 2 * stride + i), Unsafe.Add(ref s, 3 * stride + i),
                Unsafe.Add(ref s, 4 * stride + i), Unsafe.Add(ref s, 5 * stride + i), Unsafe.Add(ref s, 6 * stride + i), Unsafe.Add(ref s, 7 * stride + i));
        }
    }

    /// <summary>Stores transposed levels back: group k's element i goes to <c>destination[k·stride + i]</c>.</summary>
    public static void StoreLevels(ReadOnlySpan<Vector256<int>> levels, Span<byte> destination, int stride)
    {
        for (int i = 0; i < levels.Length; i++)
        {
            var v = levels[i];
            for (int k = 0; k < 8; k++) destination[k * stride + i] = (byte)v.GetElement(k);
        }
    }

    /// <summary>nearest_int on every lane (exact: one float add, then integer ops on the bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> NearestInt(Vector256<float> f) =>
        ((f + Vector256.Create(12582912f)).AsInt32() & Vector256.Create(0x007fffff)) - Vector256.Create(0x00400000);

    /// <summary>
    /// <see cref="KQuantMath.MakeQkx2Quants"/> for eight groups. Returns the scales; <paramref name="theMin"/>
    /// gets the mins and <paramref name="levels"/> the chosen levels (transposed, in [0, nmax]).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector256<float> MakeQkx2Quants(int nmax, ReadOnlySpan<Vector256<float>> x, ReadOnlySpan<Vector256<float>> weights,
        Span<Vector256<int>> levels, out Vector256<float> theMin, float rmin, float rdelta, int nstep, bool useMad)
    {
        int n = x.Length;
        weights = weights[..n];
        levels = levels[..n];
        var zero = Vector256<float>.Zero;
        var nmaxF = Vector256.Create((float)nmax);
        var nmaxI = Vector256.Create(nmax);
        var zeroI = Vector256<int>.Zero;

        var min = x[0];
        var max = x[0];
        var sumW = weights[0];
        var sumX = sumW * x[0];
        for (int i = 1; i < n; i++)
        {
            var xi = x[i];
            min = Vector256.ConditionalSelect(Vector256.LessThan(xi, min), xi, min);
            max = Vector256.ConditionalSelect(Vector256.GreaterThan(xi, max), xi, max);
            var w = weights[i];
            sumW += w;
            sumX += w * xi;
        }
        min = Vector256.ConditionalSelect(Vector256.GreaterThan(min, zero), zero, min);
        // Lanes with max == min return early in the scalar code; they are computed along and fixed up at the end.
        var flat = Vector256.Equals(max, min);
        var flatMin = min;

        var iscale = nmaxF / (max - min);
        var scale = Vector256<float>.One / iscale;
        var bestError = zero;
        for (int i = 0; i < n; i++)
        {
            var l = Vector256.Min(Vector256.Max(NearestInt(iscale * (x[i] - min)), zeroI), nmaxI);
            levels[i] = l;
            var diff = scale * Vector256.ConvertToSingle(l) + min - x[i];
            diff = useMad ? Vector256.Abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }

        Span<Vector256<int>> trial = stackalloc Vector256<int>[n];
        for (int step = 0; step <= nstep && nstep >= 1; step++)
        {
            iscale = Vector256.Create(rmin + rdelta * step + nmax) / (max - min);
            var sumL = zero;
            var sumL2 = zero;
            var sumXL = zero;
            for (int i = 0; i < n; i++)
            {
                var l = Vector256.Min(Vector256.Max(NearestInt(iscale * (x[i] - min)), zeroI), nmaxI);
                trial[i] = l;
                var lf = Vector256.ConvertToSingle(l);
                var w = weights[i];
                var wl = w * lf;
                sumL += wl;
                sumL2 += wl * lf;
                sumXL += wl * x[i];
            }
            var d = sumW * sumL2 - sumL * sumL;
            var thisScale = (sumW * sumXL - sumX * sumL) / d;
            var thisMin = (sumL2 * sumX - sumL * sumXL) / d;
            var positiveMin = Vector256.GreaterThan(thisMin, zero);
            thisMin = Vector256.ConditionalSelect(positiveMin, zero, thisMin);
            thisScale = Vector256.ConditionalSelect(positiveMin, sumXL / sumL2, thisScale);
            var curError = zero;
            for (int i = 0; i < n; i++)
            {
                var diff = thisScale * Vector256.ConvertToSingle(trial[i]) + thisMin - x[i];
                diff = useMad ? Vector256.Abs(diff) : diff * diff;
                curError += weights[i] * diff;
            }
            var better = Vector256.GreaterThan(d, zero) & Vector256.LessThan(curError, bestError);
            if (Vector256.ExtractMostSignificantBits(better) == 0) continue;
            var betterI = better.AsInt32();
            for (int i = 0; i < n; i++) levels[i] = Vector256.ConditionalSelect(betterI, trial[i], levels[i]);
            bestError = Vector256.ConditionalSelect(better, curError, bestError);
            scale = Vector256.ConditionalSelect(better, thisScale, scale);
            min = Vector256.ConditionalSelect(better, thisMin, min);
        }

        if (Vector256.ExtractMostSignificantBits(flat) != 0)
        {
            var flatI = flat.AsInt32();
            for (int i = 0; i < n; i++) levels[i] = Vector256.ConditionalSelect(flatI, zeroI, levels[i]);
            scale = Vector256.ConditionalSelect(flat, zero, scale);
            min = Vector256.ConditionalSelect(flat, flatMin, min);
        }
        theMin = -min;
        return scale;
    }

    /// <summary>
    /// <see cref="KQuantMath.MakeQxQuantsRmse1"/> for eight groups: returns the scales and fills
    /// <paramref name="levels"/> (transposed) with values in [0, 2·nmax).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector256<float> MakeQxQuantsRmse1(int nmax, ReadOnlySpan<Vector256<float>> x, Span<Vector256<int>> levels)
    {
        int n = x.Length;
        levels = levels[..n];
        var zero = Vector256<float>.Zero;
        var lo = Vector256.Create(-nmax);
        var hi = Vector256.Create(nmax - 1);
        var offset = Vector256.Create(nmax);

        var max = zero;
        var amax = zero;
        for (int i = 0; i < n; i++)
        {
            var ax = Vector256.Abs(x[i]);
            var larger = Vector256.GreaterThan(ax, amax);
            amax = Vector256.ConditionalSelect(larger, ax, amax);
            max = Vector256.ConditionalSelect(larger, x[i], max);
        }
        // Groups below GROUP_MAX_EPS return all-zero levels and scale 0; computed along, fixed up at the end.
        var negligible = Vector256.LessThan(amax, Vector256.Create(KQuantMath.GroupMaxEps));

        Span<Vector256<float>> weights = stackalloc Vector256<float>[n];
        for (int i = 0; i < n; i++) weights[i] = x[i] * x[i];

        var iscale = Vector256.Create((float)-nmax) / max;
        var sumlx = zero;
        var suml2 = zero;
        for (int i = 0; i < n; i++)
        {
            var l = Vector256.Min(Vector256.Max(NearestInt(iscale * x[i]), lo), hi);
            levels[i] = l + offset;
            var lf = Vector256.ConvertToSingle(l);
            var w = weights[i];
            sumlx += w * x[i] * lf;
            suml2 += w * lf * lf;
        }
        var scale = Vector256.ConditionalSelect(Vector256.Equals(suml2, zero), zero, sumlx / suml2);
        var best = scale * sumlx;

        Span<Vector256<int>> trial = stackalloc Vector256<int>[n];
        for (int step = -9; step <= 9; step++)
        {
            if (step == 0) continue;
            iscale = Vector256.Create(-(nmax + 0.1f * step)) / max;
            sumlx = zero;
            suml2 = zero;
            for (int i = 0; i < n; i++)
            {
                var l = Vector256.Min(Vector256.Max(NearestInt(iscale * x[i]), lo), hi);
                trial[i] = l;
                var lf = Vector256.ConvertToSingle(l);
                var w = weights[i];
                sumlx += w * x[i] * lf;
                suml2 += w * lf * lf;
            }
            var better = Vector256.GreaterThan(suml2, zero) & Vector256.GreaterThan(sumlx * sumlx, best * suml2);
            if (Vector256.ExtractMostSignificantBits(better) == 0) continue;
            var betterI = better.AsInt32();
            for (int i = 0; i < n; i++) levels[i] = Vector256.ConditionalSelect(betterI, trial[i] + offset, levels[i]);
            var newScale = sumlx / suml2;
            scale = Vector256.ConditionalSelect(better, newScale, scale);
            best = Vector256.ConditionalSelect(better, newScale * sumlx, best);
        }

        if (Vector256.ExtractMostSignificantBits(negligible) != 0)
        {
            var negligibleI = negligible.AsInt32();
            for (int i = 0; i < n; i++) levels[i] = Vector256.ConditionalSelect(negligibleI, Vector256<int>.Zero, levels[i]);
            scale = Vector256.ConditionalSelect(negligible, zero, scale);
        }
        return scale;
    }
}
