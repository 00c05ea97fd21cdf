using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Corral.Engine.Quants;

/// <summary>
/// The float summation order shared by the 32-block kernels (Q8_0, Q4_0, …) and the F32/F16/BF16 kernels, which every
/// tier reproduces exactly. There are 4 sets of 8 lanes, 32 f32 accumulators in all, each updated by fused multiply-add:
/// <list type="bullet">
/// <item>block kernels: lane k of set <c>b % 4</c> takes block b's exact integer sum over elements 4k..4k+3, times the
/// block's scale product (AVX2 keeps one ymm per set; AVX-512 keeps sets 0|1 and 2|3 in two zmm);</item>
/// <item>float kernels: element i goes to accumulator <c>i % 32</c> (set <c>(i / 8) % 4</c>, lane <c>i % 8</c>).</item>
/// </list>
/// At the end, lane k is <c>(set0 + set2) + (set1 + set3)</c>, and the 8 lanes fold in halves: 8 → 4 → 2 → 1.
/// </summary>
internal static unsafe class LaneSums
{
    public const int Count = 32;

    /// <summary>Reference reduction of 32 accumulators laid out <c>acc[8·set + lane]</c>.</summary>
    public static float Reduce(float* acc)
    {
        float* v = stackalloc float[8];
        for (int k = 0; k < 8; k++) v[k] = (acc[k] + acc[16 + k]) + (acc[8 + k] + acc[24 + k]);
        return Fold(v);
    }

    /// <summary>Reference of <see cref="Fold(Vector256{float})"/> over 8 floats.</summary>
    public static float Fold(float* v)
    {
        float a0 = v[0] + v[4], a1 = v[1] + v[5], a2 = v[2] + v[6], a3 = v[3] + v[7];
        return (a0 + a2) + (a1 + a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Reduce(Vector256<float> set0, Vector256<float> set1, Vector256<float> set2, Vector256<float> set3) =>
        Fold(Avx.Add(Avx.Add(set0, set2), Avx.Add(set1, set3)));

    /// <summary><paramref name="sets01"/> holds sets 0 and 1 (low and high half), <paramref name="sets23"/> sets 2 and 3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Reduce(Vector512<float> sets01, Vector512<float> sets23)
    {
        var s = Avx512F.Add(sets01, sets23);
        return Fold(Avx.Add(s.GetLower(), s.GetUpper()));
    }

    /// <summary>Folds 8 lanes in halves: 8 → 4 → 2 → 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Fold(Vector256<float> v)
    {
        var a = Sse.Add(v.GetLower(), v.GetUpper());
        var b = Sse.Add(a, Sse.MoveHighToLow(a, a));
        return Sse.AddScalar(b, Sse.Shuffle(b, b, 1)).ToScalar();
    }

    /// <summary>Spills AVX2 accumulators to the reference layout (for scalar tails).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* acc, Vector256<float> set0, Vector256<float> set1, Vector256<float> set2, Vector256<float> set3)
    {
        set0.Store(acc);
        set1.Store(acc + 8);
        set2.Store(acc + 16);
        set3.Store(acc + 24);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* acc, Vector512<float> sets01, Vector512<float> sets23)
    {
        sets01.Store(acc);
        sets23.Store(acc + 16);
    }
}
